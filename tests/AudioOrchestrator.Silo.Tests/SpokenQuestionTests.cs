using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>A user's round trip against the running service: spoken question in, spoken answer out.</summary>
[Collection(ServiceCollection.Name)]
public sealed class SpokenQuestionTests(ServiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> PostWavAsync(string sessionId, byte[] wav, string contentType = "audio/wav")
    {
        using var content = new ByteArrayContent(wav);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await service.Http.PostAsync($"/api/v1/sessions/{sessionId}/utterances", content, Ct);
    }

    [Fact]
    public async Task Echo_hello_world_is_heard_answered_and_the_answer_says_hello_world()
    {
        var session = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        var question = await EspeakCli.SayAsync("echo hello world", Ct);

        using var response = await PostWavAsync(session, question);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct);
        Assert.NotNull(body);
        Assert.Equal(session, body!.SessionId);
        Assert.Equal("echo hello world", body.Transcript);
        Assert.Equal("echo", body.Agent);
        Assert.Equal("hello world", body.ResponseText);
        Assert.True(body.Timings.SttMs > 0 && body.Timings.TtsMs > 0 && body.Timings.TotalMs >= body.Timings.SttMs);

        // The spoken answer, downloaded and transcribed back, says "hello world".
        using var audio = await service.Http.GetAsync(body.ResponseAudioUrl, Ct);
        Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
        var answerWav = await audio.Content.ReadAsByteArrayAsync(Ct);
        var stt = service.Services.GetRequiredService<ISpeechToTextClient>();
        using var answerStream = new MemoryStream(answerWav);
        var heard = await stt.GetTextAsync(answerStream, cancellationToken: Ct);
        Assert.Equal("hello world", heard.Text);

        // The turn is in the session's history.
        var snapshot = await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        var turn = Assert.Single(snapshot!.History);
        Assert.Equal(("rest", "echo hello world", "echo", "hello world"), (turn.SpeakerId, turn.Transcript, turn.Agent, turn.ResponseText));

        // Every log line of the turn carries its correlation id.
        Assert.Contains(service.Logs.Lines, l => l.Contains(body.CorrelationId, StringComparison.Ordinal) && l.Contains("Heard", StringComparison.Ordinal));
        Assert.Contains(service.Logs.Lines, l => l.Contains(body.CorrelationId, StringComparison.Ordinal) && l.Contains("answered", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("what time is it", "time", "It is ")]
    [InlineData("help", "help", "I am your voice assistant.")]
    [InlineData("hey orchestrator echo good morning", "echo", "good morning")]
    public async Task Spoken_commands_reach_their_agents(string spoken, string agent, string answerStart)
    {
        using var response = await PostWavAsync("cmd-" + Guid.NewGuid().ToString("N")[..8], await EspeakCli.SayAsync(spoken, Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct);
        Assert.Equal(spoken, body!.Transcript);
        Assert.Equal(agent, body.Agent);
        Assert.StartsWith(answerStart, body.ResponseText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_language_model_free_speech_gets_an_honest_answer_from_the_conversation_agent()
    {
        using var response = await PostWavAsync("nomodel-" + Guid.NewGuid().ToString("N")[..8], await EspeakCli.SayAsync("hey orchestrator what is the capital of france", Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct);
        Assert.Equal("conversation", body!.Agent);
        Assert.StartsWith("I can't hold a free conversation: no language model is configured.", body.ResponseText, StringComparison.Ordinal);
        Assert.Null(body.Error);
        using var agents = await service.Http.GetAsync("/api/v1/agents", Ct);
        Assert.Contains("\"usesLanguageModel\":true,\"model\":null", await agents.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_can_be_read_and_deleted()
    {
        var session = "del-" + Guid.NewGuid().ToString("N")[..8];
        using (var posted = await PostWavAsync(session, await EspeakCli.SayAsync("echo one two three", Ct)))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        using (var read = await service.Http.GetAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var deleted = await service.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await service.Http.GetAsync($"/api/v1/sessions/{session}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
    }
}
