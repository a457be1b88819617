using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// The assistant with a language model, as a user meets it: the real service (espeak-ng questions heard by pocketsphinx,
/// the real pipeline and OpenAI client) talking to the local fake OpenAI-compatible server.
/// </summary>
[Collection(LlmServiceCollection.Name)]
public sealed class AssistantThinksTests(LlmServiceFixture service) : IDisposable
{
    private readonly DateTimeOffset _since = DateTimeOffset.UtcNow;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SessionOutputHub Hub => service.Services.GetRequiredService<SessionOutputHub>();

    public void Dispose() => service.Converse = _ => FakeChatReply.Say("I am the model.");

    private IEnumerable<FakeChatRequest> Requests => service.Server.Requests.Where(r => r.ReceivedAt >= _since);

    private async Task<UtteranceResponse> AskAsync(string session, string spoken)
    {
        using var content = new ByteArrayContent(await EspeakCli.SayAsync(spoken, Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var response = await service.Http.PostAsync($"/api/v1/sessions/{session}/utterances", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct))!;
    }

    [Fact]
    public async Task A_question_to_the_assistant_reaches_the_model_and_its_first_sentence_is_heard_before_the_model_has_finished()
    {
        var session = "think-" + Guid.NewGuid().ToString("N")[..8];
        const string Answer = "Paris is the capital of France. It lies on the river Seine and has about two million people.";
        // The model writes the first sentence (and the first word after it) and then waits until answer audio is heard:
        // a service that spoke only once the model had finished would never be heard, however fast the machine.
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        service.Converse = _ => new FakeChatReply { Text = Answer, FirstTokenDelay = TimeSpan.FromMilliseconds(200), TokensPerSecond = 15, HoldAfterTokens = 7, ContinueWhen = heard.Task };
        var firstAudioAt = new ConcurrentDictionary<string, DateTimeOffset>();
        await using var listening = await Hub.ListenAsync(session, e =>
        {
            if (e is AnswerAudio audio)
            {
                firstAudioAt.TryAdd(audio.TurnId, DateTimeOffset.UtcNow);
                heard.TrySetResult();
            }

            return Task.CompletedTask;
        }, Ct);

        var body = await AskAsync(session, "hey orchestrator what is the capital of france");

        Assert.StartsWith("hey orchestrator", body.Transcript, StringComparison.Ordinal);
        Assert.Equal(("conversation", Answer, TurnRoute.Classifier), (body.Agent, body.ResponseText, body.Route!.Reason));
        var request = Assert.Single(Requests, r => !LlmServiceFixture.IsClassification(r));
        Assert.DoesNotContain("orchestrator", request.LastUser, StringComparison.Ordinal); // the wake phrase is not the model's business
        Assert.Equal(("fake-model", "rest"), (request.Model, request.Messages[^1].Name));
        var turnId = Assert.Single(body.Turns).TurnId;
        Assert.True(firstAudioAt[turnId] < request.LastChunkAt, $"first audio at {firstAudioAt[turnId]:O}, the model's last chunk at {request.LastChunkAt:O}");

        // The spoken answer is the whole answer: espeak-ng reads 17 words in several seconds.
        using var audio = await service.Http.GetAsync(body.ResponseAudioUrl, Ct);
        var wav = WavCodec.Decode(await audio.Content.ReadAsByteArrayAsync(Ct));
        Assert.InRange(wav.Duration.TotalSeconds, 4, 12);
    }

    [Fact]
    public async Task Summarize_our_conversation_after_five_turns_is_a_summary_by_the_model()
    {
        var session = "minutes-" + Guid.NewGuid().ToString("N")[..8];
        service.Converse = r => r.System.StartsWith("You summarise a voice conversation", StringComparison.Ordinal)
            ? FakeChatReply.Say("You asked me to repeat five things, and I did.")
            : FakeChatReply.Say("?");
        foreach (var words in new[] { "one two three", "good morning", "hello world", "thank you", "see you later" })
        {
            Assert.Equal("echo", (await AskAsync(session, "echo " + words)).Agent);
        }

        var body = await AskAsync(session, "summarize our conversation");

        Assert.Equal(("summarization", "You asked me to repeat five things, and I did."), (body.Agent, body.ResponseText));
        var document = Assert.Single(Requests, r => r.System.StartsWith("You summarise", StringComparison.Ordinal)).LastUser;
        Assert.Contains("rest: echo good morning", document, StringComparison.Ordinal);
        Assert.Contains("assistant: see you later", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rate_limited_model_is_retried_and_a_failing_one_apologised_for_never_a_silent_turn()
    {
        var session = "flaky-" + Guid.NewGuid().ToString("N")[..8];
        var conversations = 0;
        service.Converse = _ => Interlocked.Increment(ref conversations) switch
        {
            1 => new FakeChatReply { Status = 429, Headers = new Dictionary<string, string> { ["retry-after"] = "0.2" } },
            2 => FakeChatReply.Say("Here I am after a short wait."),
            _ => new FakeChatReply { Status = 503 },
        };

        var retried = await AskAsync(session, "hey orchestrator tell me a story");
        var apologised = await AskAsync(session, "hey orchestrator tell me another story");

        Assert.Equal(("Here I am after a short wait.", null), (retried.ResponseText, retried.Error));
        Assert.Equal(TurnPipeline.Apology, apologised.ResponseText);
        Assert.Contains("server error (503) (3 attempts)", apologised.Error, StringComparison.Ordinal);
        Assert.NotNull(apologised.ResponseAudioUrl);
        var history = (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct))!.History;
        Assert.Equal([null, apologised.Error], history.Select(t => t.Error));
    }

    [Fact]
    public async Task Talking_over_the_answer_aborts_the_model_and_the_history_keeps_only_what_was_said()
    {
        // A live session that answers what it hears (no wake phrase): the speakers below send live audio as Discord users do.
        var guildSession = "live-" + Guid.NewGuid().ToString("N")[..8];
        var longAnswer = string.Join(' ', Enumerable.Range(1, 30).Select(i => $"Point number {i} is worth hearing."));
        service.Converse = r => r.LastUser.Contains("story", StringComparison.Ordinal)
            ? new FakeChatReply { Text = longAnswer, TokensPerSecond = 10 }
            : FakeChatReply.Say("?");
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var publisher = service.Services.GetRequiredService<SpeakerAudioPublisher>();
        await using var player = new SessionAudioPlayer(guildSession, 5000, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
        await player.StartAsync(Hub, Ct);
        await player.SetOutputAvailable(true);
        using var stopOutput = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var output = PlayAsync(player, stopOutput.Token);
        await using (await Hub.ListenAsync(guildSession, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct))
        {
            await SpeakLiveAsync(publisher, new SpeakerRef(guildSession, "1001"), "tell me a long story");
            // Real pocketsphinx hears both speakers: on a loaded machine that takes seconds (a minute is allowed).
            var request = await service.Server.WaitForRequestAsync(
                r => r.ReceivedAt >= _since && !LlmServiceFixture.IsClassification(r) && r.LastUser.Contains("story", StringComparison.Ordinal),
                "the model to be asked",
                TimeSpan.FromSeconds(60));
            await TestWait.UntilAsync(() => player.PlayedFrames > 60, "the answer to be playing");

            await SpeakLiveAsync(publisher, new SpeakerRef(guildSession, "1002"), "echo hello world");
            await TestWait.UntilAsync(() => request.Aborted, "the model request to be aborted");
            await TestWait.UntilAsync(() => events.OfType<AnswerInterrupted>().Any(), "the interruption");
            // The message says which turns were heard.
            await TestWait.UntilAsync(
                () => events.OfType<AnswerCompleted>().Any(c => c.ResponseText == "hello world"),
                () => "the second speaker's answer; turns so far: " + string.Join(" | ", events.Where(e => e is AnswerStarted or AnswerCompleted or TurnFailed).Select(e => e.ToString()[..Math.Min(160, e.ToString().Length)])),
                TimeSpan.FromSeconds(60));

            Assert.True(request.ChunksSent < longAnswer.Split(' ').Length);
            var history = (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{guildSession}", Ct))!.History;
            var cut = history.Single(t => t.Agent == "conversation");
            Assert.True(cut.Interrupted);
            Assert.StartsWith("Point number 1", cut.ResponseText, StringComparison.Ordinal); // heard for over a second
            Assert.True(longAnswer.StartsWith(cut.ResponseText.TrimEnd('…'), StringComparison.Ordinal) && cut.ResponseText.Length < longAnswer.Length / 2, cut.ResponseText);
        }

        await stopOutput.CancelAsync();
        await output;
    }

    private static async Task SpeakLiveAsync(SpeakerAudioPublisher publisher, SpeakerRef speaker, string text)
    {
        var stream = publisher.GetWriter(speaker);
        var audio = WavCodec.Decode(await EspeakCli.SayAsync(text, Ct));
        await LiveAudio.SendAsync((sequence, packets) => stream.Publish(new OpusFrameBatch(sequence, packets, DateTimeOffset.UtcNow)), audio, 0, Ct);
    }

    private static Task PlayAsync(SessionAudioPlayer player, CancellationToken cancellationToken) => PacedOutput.PlayAsync(player.Frames, cancellationToken);
}
