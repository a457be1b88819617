using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// Text turns as a REST client makes them: <c>POST /api/v1/sessions/{id}/messages</c> against the real service (the
/// conversation agent asking the local fake OpenAI server), mixed with spoken turns (espeak-ng heard by pocketsphinx).
/// </summary>
[Collection(LlmServiceCollection.Name)]
public sealed class TextTurnTests(LlmServiceFixture service) : IDisposable
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly DateTimeOffset _since = DateTimeOffset.UtcNow;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => service.Converse = _ => FakeChatReply.Say("I am the model.");

    private IEnumerable<FakeChatRequest> Conversations => service.Server.Requests.Where(r => r.ReceivedAt >= _since && !LlmServiceFixture.IsClassification(r));

    [Fact]
    public async Task Text_and_voice_turns_share_one_session_history_and_context()
    {
        var session = "mixed-" + Guid.NewGuid().ToString("N")[..8];
        service.Converse = r => r.LastUser.Contains("name is", StringComparison.Ordinal)
            ? FakeChatReply.Say("Nice to meet you, Ana.")
            : FakeChatReply.Say("You are Ana.");

        var typed = await SendAsync(session, new { text = "My name is Ana.", speaker = "ana" });
        var spoken = await AskByVoiceAsync(session, "ana", "hey orchestrator tell me a story about me");
        var echoed = await SendAsync(session, new { text = "echo see you later", speaker = "ana" });

        Assert.Equal(("conversation", "Nice to meet you, Ana.", null), (typed.Agent, typed.ResponseText, typed.ResponseAudioUrl));
        Assert.Equal(TurnRoute.Classifier, typed.Route!.Reason);
        Assert.Equal(("conversation", "You are Ana."), (spoken.Agent, spoken.ResponseText));
        Assert.Equal(("echo", "see you later", TurnRoute.Phrase), (echoed.Agent, echoed.ResponseText, echoed.Route!.Reason));

        // The spoken question reached the model with the typed turn before it, as a turn of the same speaker.
        var second = Assert.Single(Conversations, r => !r.LastUser.Contains("name is", StringComparison.Ordinal));
        var typedMessage = Assert.Single(second.Messages, m => m.Role == "user" && m.Content.Contains("My name is Ana.", StringComparison.Ordinal));
        Assert.Equal("ana", typedMessage.Name);
        Assert.Contains(second.Messages, m => m.Role == "assistant" && m.Content == "Nice to meet you, Ana.");

        var history = (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct))!.History;
        Assert.Equal(
            [(typed.TurnId, TurnSources.Text, "My name is Ana."), (spoken.Turns[0].TurnId, TurnSources.Voice, spoken.Transcript), (echoed.TurnId, TurnSources.Text, "echo see you later")],
            history.Select(t => (t.TurnId, t.Source, t.Transcript)));
        Assert.All(history, t => Assert.Equal("ana", t.SpeakerId));
        Assert.Equal(0, history[0].Timings!.TtsMs); // nothing was synthesised for a text-only answer
    }

    [Fact]
    public async Task A_long_answer_streams_as_server_sent_events_and_the_first_words_arrive_before_the_model_has_finished()
    {
        var session = "sse-" + Guid.NewGuid().ToString("N")[..8];
        var answer = string.Join(' ', Enumerable.Range(1, 12).Select(i => $"Step {i} is done."));
        service.Converse = _ => new FakeChatReply { Text = answer, TokensPerSecond = 20 };

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{session}/messages")
        {
            Content = JsonContent.Create(new { text = "walk me through the plan", speaker = "ana" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await service.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);

        var events = new List<(string Type, string Data, DateTimeOffset At)>();
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(Ct))
        {
            events.Add((item.EventType, item.Data, DateTimeOffset.UtcNow));
        }

        Assert.Equal(TextAnswerEvents.Started, events[0].Type);
        Assert.Equal(TextAnswerEvents.Completed, events[^1].Type);
        var deltas = events.Where(e => e.Type == TextAnswerEvents.Delta).ToArray();
        Assert.True(deltas.Length > 5, $"{deltas.Length} deltas");
        Assert.Equal(events.Count - 2, deltas.Length);
        var started = JsonSerializer.Deserialize<TextAnswerStarted>(events[0].Data, Json)!;
        var completed = JsonSerializer.Deserialize<TextMessageResponse>(events[^1].Data, Json)!;
        Assert.Equal((session, "conversation", started.TurnId), (started.SessionId, started.Agent, completed.TurnId));
        Assert.Equal(answer, completed.ResponseText);
        Assert.Equal(answer, string.Concat(deltas.Select(d => JsonSerializer.Deserialize<TextAnswerDelta>(d.Data, Json)!.Text)));

        var model = Assert.Single(Conversations);
        Assert.True(deltas[0].At < model.LastChunkAt, $"first delta at {deltas[0].At:O}, the model's last chunk at {model.LastChunkAt:O}");
    }

    [Fact]
    public async Task Speak_true_returns_downloadable_audio_and_speak_false_synthesises_nothing()
    {
        var session = "speak-" + Guid.NewGuid().ToString("N")[..8];
        var audioEvents = new ConcurrentQueue<AnswerAudio>();
        await using var listening = await service.Services.GetRequiredService<SessionOutputHub>().ListenAsync(session, e =>
        {
            if (e is AnswerAudio audio)
            {
                audioEvents.Enqueue(audio);
            }

            return Task.CompletedTask;
        }, Ct);

        var silent = await SendAsync(session, new { text = "echo good morning" });
        Assert.Null(silent.ResponseAudioUrl);
        Assert.Empty(audioEvents);

        var spoken = await SendAsync(session, new { text = "echo good morning", speak = true });

        Assert.Equal("good morning", spoken.ResponseText);
        Assert.True(spoken.Timings!.TtsMs > 0);
        using var audio = await service.Http.GetAsync(spoken.ResponseAudioUrl, Ct);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        var wav = WavCodec.Decode(await audio.Content.ReadAsByteArrayAsync(Ct));
        Assert.InRange(wav.Duration.TotalSeconds, 0.4, 5);
        Assert.All(audioEvents, a => Assert.Equal(spoken.TurnId, a.TurnId));
        var history = (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct))!.History;
        Assert.Equal(["rest", "rest"], history.Select(t => t.SpeakerId));
    }

    [Fact]
    public async Task Unknown_json_fields_are_ignored()
    {
        var session = "extra-" + Guid.NewGuid().ToString("N")[..8];

        var answer = await SendAsync(session, new { text = "echo hello there", client = "cli 1.2", priority = 5, nested = new { a = 1 } });

        Assert.Equal("hello there", answer.ResponseText);
    }

    private async Task<TextMessageResponse> SendAsync(string session, object body)
    {
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<TextMessageResponse>(Ct))!;
    }

    private async Task<UtteranceResponse> AskByVoiceAsync(string session, string speaker, string spoken)
    {
        using var content = new ByteArrayContent(await EspeakCli.SayAsync(spoken, Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var response = await service.Http.PostAsync($"/api/v1/sessions/{session}/utterances?speakerId={speaker}", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct))!;
    }
}
