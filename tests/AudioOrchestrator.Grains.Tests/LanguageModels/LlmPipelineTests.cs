using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>Language-model turns through the whole Orleans path (tone speech engines, the real OpenAI client, a fake server).</summary>
[Collection(LlmCollection.Name)]
public sealed class LlmPipelineTests(LlmCluster fixture) : IDisposable
{
    private readonly Dictionary<string, long> _sequences = [];
    private readonly DateTimeOffset _since = DateTimeOffset.UtcNow; // the tests of the collection run one at a time

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private UtteranceUploadProcessor Uploads => fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

    private SessionOutputHub Hub => fixture.ClientServices.GetRequiredService<SessionOutputHub>();

    private static string NewSession() => "llm-" + Guid.NewGuid().ToString("N")[..10];

    public void Dispose()
    {
        fixture.FallbackConverse = _ => FakeChatReply.Say(LlmCluster.FallbackAnswer);
        fixture.Converse = _ => FakeChatReply.Say("I am the model.");
        fixture.Classify = _ => FakeChatReply.Say("general");
    }

    private FakeChatRequest[] ConversationRequests(string question) =>
        [.. fixture.Server.Requests.Where(r => r.ReceivedAt >= _since && !LlmCluster.IsClassification(r) && r.LastUser.Contains(question, StringComparison.Ordinal))];

    [Fact]
    public async Task Free_speech_is_classified_and_answered_by_the_model_and_its_first_sentence_is_heard_before_it_has_finished()
    {
        var session = NewSession();
        var question = "what is the capital of france";
        fixture.Converse = r => r.LastUser.Contains(question, StringComparison.Ordinal)
            ? new FakeChatReply { Text = "Paris. It is the capital and the largest city of France, on the Seine.", FirstTokenDelay = TimeSpan.FromMilliseconds(100), TokensPerSecond = 10 }
            : FakeChatReply.Say("?");
        var firstAudioAt = new ConcurrentDictionary<string, DateTimeOffset>();
        await using var listening = await Hub.ListenAsync(session, e =>
        {
            if (e is AnswerAudio audio)
            {
                firstAudioAt.TryAdd(audio.TurnId, DateTimeOffset.UtcNow);
            }

            return Task.CompletedTask;
        }, Ct);

        var result = await Uploads.ProcessAsync(session, "alice", TestAudio.Question(2100), Ct);

        var turn = Assert.Single(result.Turns);
        Assert.Equal(("conversation", "Paris. It is the capital and the largest city of France, on the Seine.", null), (turn.Agent, turn.ResponseText, turn.Error));
        Assert.Equal((TurnRoute.Classifier, "model: general"), (turn.Route!.Reason, turn.Route.Detail));
        var request = Assert.Single(ConversationRequests(question));
        Assert.True(request.Stream);
        Assert.Equal(("user", "alice"), (request.Messages[^1].Role, request.Messages[^1].Name));
        Assert.StartsWith("You are a helpful voice assistant", request.System, StringComparison.Ordinal);
        Assert.True(firstAudioAt[turn.TurnId] < request.LastChunkAt, $"first audio {firstAudioAt[turn.TurnId]:O}, model's last chunk {request.LastChunkAt:O}");
        Assert.NotNull(turn.Timings!.AgentFirstTextMs);
        Assert.NotNull(turn.AnswerWav);
    }

    [Fact]
    public async Task Summarize_our_conversation_after_five_turns_summarises_them_with_the_model()
    {
        var session = NewSession();
        fixture.Converse = r => r.System.StartsWith("You summarise a voice conversation", StringComparison.Ordinal)
            ? FakeChatReply.Say("Alice asked five times for hello world, and I repeated it.")
            : FakeChatReply.Say("?");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("hello world", Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(440), Ct)).Turns).ResponseText);
        }

        var result = await Uploads.ProcessAsync(session, "alice", TestAudio.Question(1700), Ct);

        var turn = Assert.Single(result.Turns);
        Assert.Equal(("summarization", TurnRoute.Phrase, "Alice asked five times for hello world, and I repeated it."), (turn.Agent, turn.Route!.Reason, turn.ResponseText));
        var request = fixture.Server.Requests.Last(r => r.System.StartsWith("You summarise a voice conversation", StringComparison.Ordinal));
        Assert.Equal(5, CountOf(request.LastUser, "alice: echo hello world"));
    }

    [Fact]
    public async Task A_failing_model_is_retried_then_apologised_for_and_the_session_goes_on()
    {
        var session = NewSession();
        fixture.Converse = _ => new FakeChatReply { Status = 500 };
        fixture.FallbackConverse = _ => new FakeChatReply { Status = 500 };

        var failed = Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(880), Ct)).Turns);
        var next = Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(440), Ct)).Turns);

        Assert.Equal(TurnPipeline.Apology, failed.ResponseText);
        Assert.Contains("server error (500) (2 attempts)", failed.Error, StringComparison.Ordinal); // the fallback, retried once
        Assert.NotNull(failed.AnswerWav);
        Assert.Single(ConversationRequests("sing me a song")); // the first provider hands over at once
        Assert.Equal(2, fixture.Fallback.Requests.Count(r => r.ReceivedAt >= _since && r.LastUser.Contains("sing me a song", StringComparison.Ordinal) && !LlmCluster.IsClassification(r)));
        Assert.Equal("hello world", next.ResponseText);
        var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
        Assert.Equal([failed.Error, null], history.Select(t => t.Error));
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("html")]
    [InlineData("json error in a 200")]
    public async Task A_model_that_answers_nothing_or_garbage_gets_a_short_spoken_answer_and_a_failed_turn(string kind)
    {
        var session = NewSession();
        fixture.Converse = _ => kind switch
        {
            "empty" => FakeChatReply.Say(""),
            "html" => new FakeChatReply { RawBody = "<html><body><h1>502 Bad Gateway</h1></body></html>", RawContentType = "text/html" },
            _ => new FakeChatReply { RawBody = "{\"error\":{\"message\":\"overloaded\"}}" },
        };

        var turn = Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(880), Ct)).Turns);

        Assert.Contains(turn.ResponseText, new[] { TurnPipeline.NoAnswer, TurnPipeline.Apology });
        Assert.NotNull(turn.Error);
        Assert.NotNull(turn.AnswerWav);
        Assert.Equal("hello world", Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(440), Ct)).Turns).ResponseText);
    }

    [Fact]
    public async Task A_model_that_stalls_mid_answer_ends_the_turn_with_what_was_said_and_an_apology()
    {
        var session = NewSession();
        fixture.Converse = _ => new FakeChatReply { Text = "First part is here. And then", StallAfterTokens = 6 };

        var turn = Assert.Single((await Uploads.ProcessAsync(session, "alice", TestAudio.Question(880), Ct)).Turns);

        Assert.Equal("First part is here. And then " + TurnPipeline.ApologyMidAnswer, turn.ResponseText);
        Assert.Contains("stalled", turn.Error, StringComparison.Ordinal);
        Assert.True(Assert.Single(ConversationRequests("sing me a song")).Aborted);
    }

    [Fact]
    public async Task Talking_over_the_answer_aborts_the_model_request_and_the_turn_keeps_only_what_was_said()
    {
        var session = NewSession();
        var longAnswer = string.Join(' ', Enumerable.Range(1, 40).Select(i => $"Sentence {i} goes on."));
        fixture.Converse = r => r.LastUser.Contains("sing me a song", StringComparison.Ordinal)
            ? new FakeChatReply { Text = longAnswer, TokensPerSecond = 8 }
            : FakeChatReply.Say("?");
        var events = new ConcurrentQueue<(DateTimeOffset At, SessionOutputEvent Event)>();
        await using var player = new SessionAudioPlayer(session, 5000, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
        await player.StartAsync(Hub, Ct);
        await player.SetOutputAvailable(true);
        using var stopOutput = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var output = PlayAsync(player, stopOutput.Token);
        await using (await Hub.ListenAsync(session, e => { events.Enqueue((DateTimeOffset.UtcNow, e)); return Task.CompletedTask; }, Ct))
        {
            await SendLiveAsync(session, "alice", TestAudio.Question(880));
            var request = await fixture.Server.WaitForRequestAsync(r => r.ReceivedAt >= _since && !LlmCluster.IsClassification(r) && r.LastUser.Contains("sing me a song", StringComparison.Ordinal), "the conversation request");
            await TestWait.UntilAsync(() => player.PlayedFrames > 40, "the answer to be playing");

            await SendLiveAsync(session, "bob", TestAudio.Question(440));
            var interrupted = await WaitForAsync<AnswerInterrupted>(events, i => i.SpeakerId == "bob");
            await WaitForAsync<PlaybackPaused>(events, p => p.SpeakerId == "bob");
            await TestWait.UntilAsync(() => request.Aborted, "the model request to be aborted");
            var bobs = await WaitForAsync<AnswerCompleted>(events, c => c.ResponseText == "hello world");

            Assert.True(request.ChunksSent < longAnswer.Split(' ').Length, "the model was stopped before it finished");
            var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
            var cut = history.Single(t => t.TurnId == interrupted.TurnId);
            Assert.True(cut.Interrupted);
            Assert.StartsWith("Sentence 1 goes on.", cut.ResponseText, StringComparison.Ordinal);
            Assert.True(cut.ResponseText.Length < longAnswer.Length / 2, cut.ResponseText);
            Assert.True(longAnswer.StartsWith(cut.ResponseText.TrimEnd('…'), StringComparison.Ordinal), cut.ResponseText);
            Assert.Equal("hello world", history.Single(t => t.TurnId == bobs.TurnId).ResponseText);
        }

        await stopOutput.CancelAsync();
        await output;
    }

    [Fact]
    public async Task A_session_deleted_while_the_model_writes_stays_deleted()
    {
        var session = NewSession();
        fixture.Converse = _ => new FakeChatReply { Text = "This answer never ends.", StallAfterTokens = 2 };
        using var upload = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var uploading = Uploads.ProcessAsync(session, "alice", TestAudio.Question(880), upload.Token);
        var request = await fixture.Server.WaitForRequestAsync(r => r.ReceivedAt >= _since && !LlmCluster.IsClassification(r) && r.ChunksSent == 2, "the model to start writing");
        var grain = fixture.Client.GetGrain<IConversationGrain>(session);

        await grain.DeleteAsync();

        await TestWait.UntilAsync(() => request.Aborted, "the model request to be aborted");
        Assert.Null(await grain.GetSnapshotAsync());
        await upload.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => uploading);
        Assert.Null(await grain.GetSnapshotAsync());
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private async Task SendLiveAsync(string session, string speakerId, PcmAudio audio)
    {
        var sequence = _sequences.GetValueOrDefault(speakerId);
        _sequences[speakerId] = sequence + await LiveSpeaker.SendAsync(fixture.ClientServices, new SpeakerRef(session, speakerId), audio, sequence, Ct);
    }

    private static Task<T> WaitForAsync<T>(ConcurrentQueue<(DateTimeOffset At, SessionOutputEvent Event)> events, Func<T, bool> predicate)
        where T : SessionOutputEvent =>
        TestWait.ForAsync(() => events.Select(e => e.Event).OfType<T>().FirstOrDefault(predicate), () => $"a {typeof(T).Name} (events: {string.Join(", ", events.Select(e => e.Event.GetType().Name))})");

    private static Task PlayAsync(SessionAudioPlayer player, CancellationToken cancellationToken) => PacedOutput.PlayAsync(player.Frames, cancellationToken);
}

[CollectionDefinition(Name)]
public sealed class LlmCollection : ICollectionFixture<LlmCluster>
{
    public const string Name = "language model cluster";
}
