using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Mvc;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>Bad input gets a clear problem-details answer, nothing crashes and the session is unchanged.</summary>
[Collection(ServiceCollection.Name)]
public sealed class BadInputTests(ServiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, byte[], string> BadWavFiles()
    {
        var good = WavCodec.Encode(TestAudio.Question(440));
        var floatWav = (byte[])good.Clone();
        floatWav[20] = 3; // WAVE_FORMAT_IEEE_FLOAT
        floatWav[34] = 32;
        var notWave = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("AVI ").CopyTo(notWave, 8);
        return new TheoryData<string, byte[], string>
        {
            { "empty", [], "" },
            { "not RIFF", Encoding.ASCII.GetBytes("This is not audio at all, just text that is long enough."), "RIFF" },
            { "not WAVE", notWave, "WAVE" },
            { "truncated header", good[..30], "" },
            { "truncated data", good[..(good.Length / 2)], "" },
            { "not PCM", floatWav, "" },
        };
    }

    [Theory]
    [MemberData(nameof(BadWavFiles))]
    public async Task Malformed_wav_is_400_with_a_reason_and_the_session_is_unchanged(string label, byte[] wav, string mentions)
    {
        var session = "bad-" + Guid.NewGuid().ToString("N")[..8];

        using var response = await PostAsync(session, wav, "audio/wav");

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{label}: {response.StatusCode}");
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct);
        Assert.Equal("Invalid WAV file", problem!.Title);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        Assert.Contains(mentions, problem.Detail, StringComparison.OrdinalIgnoreCase);
        await AssertSessionUnknownAsync(session);
    }

    [Fact]
    public async Task Oversize_upload_is_413_declared_or_streamed()
    {
        var session = "big-" + Guid.NewGuid().ToString("N")[..8];
        var big = new byte[ServiceFixture.UploadLimit + 1];

        using (var declared = await PostAsync(session, big, "audio/wav"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
            Assert.Equal("application/problem+json", declared.Content.Headers.ContentType?.MediaType);
        }

        // Chunked: no Content-Length, the limit is enforced while reading.
        using var chunked = new StreamContent(new MemoryStream(big));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{session}/utterances") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var streamed = await service.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        await AssertSessionUnknownAsync(session);
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        using var response = await PostAsync("ct-test", WavCodec.Encode(TestAudio.Question(440)), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertSessionUnknownAsync("ct-test");
    }

    [Fact]
    public async Task Silence_only_is_a_clear_no_speech_result()
    {
        var session = "quiet-" + Guid.NewGuid().ToString("N")[..8];

        using var response = await PostAsync(session, WavCodec.Encode(TestAudio.Silence(1500)), "audio/wav");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct);
        Assert.Equal("No speech detected", problem!.Title);
        Assert.Equal("urn:audio-orchestrator:no-speech", problem.Type);
        await AssertSessionUnknownAsync(session);
    }

    [Fact]
    public async Task Unknown_session_is_404_and_invalid_ids_are_400()
    {
        using var unknown = await service.Http.GetAsync("/api/v1/sessions/never-seen-before", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var deleteUnknown = await service.Http.DeleteAsync("/api/v1/sessions/never-seen-before", Ct);
        Assert.Equal(HttpStatusCode.NotFound, deleteUnknown.StatusCode);

        using var invalid = await service.Http.GetAsync("/api/v1/sessions/" + new string('x', 129), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);

        using var invalidPost = await PostAsync("bad%20id", WavCodec.Encode(TestAudio.Question(440)), "audio/wav");
        Assert.Equal(HttpStatusCode.BadRequest, invalidPost.StatusCode);

        using var unknownAudio = await service.Http.GetAsync("/api/v1/sessions/x/turns/y/audio", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknownAudio.StatusCode);
    }

    public static TheoryData<string, string, string> BadTextMessages() => new()
    {
        { "missing text", """{"speaker":"ana"}""", "Missing text" },
        { "text of the wrong type", """{"text":5}""", "Invalid JSON" },
        { "speak of the wrong type", """{"text":"hello","speak":"yes"}""", "Invalid JSON" },
        { "not JSON", "text=hello", "Invalid JSON" },
        { "truncated JSON", """{"text":"hel""", "Invalid JSON" },
        { "JSON null", "null", "Missing body" },
        { "empty body", "", "Missing body" },
        { "empty text", """{"text":""}""", "Empty text" },
        { "whitespace only", """{"text":"  \n\t "}""", "Empty text" },
        { "oversized", "{\"text\":\"" + new string('a', 4001) + "\"}", "Text too long" },
        { "invalid speaker", """{"text":"hello","speaker":"bad speaker"}""", "Invalid speaker id" },
    };

    [Theory]
    [MemberData(nameof(BadTextMessages))]
    public async Task A_bad_text_message_is_400_with_a_reason_and_the_session_is_unchanged(string label, string json, string title)
    {
        var session = "badtext-" + Guid.NewGuid().ToString("N")[..8];

        using var response = await PostTextAsync(session, json, "application/json");

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{label}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct);
        Assert.Equal(title, problem!.Title);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        await AssertSessionUnknownAsync(session);
    }

    [Fact]
    public async Task A_text_message_with_a_bad_session_id_content_type_or_size_is_refused()
    {
        using (var invalidId = await PostTextAsync("bad%20id", """{"text":"echo hi"}""", "application/json"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalidId.StatusCode);
            Assert.Equal("Invalid session id", (await invalidId.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Title);
        }

        using (var plain = await PostTextAsync("ct-text", "echo hi", "text/plain"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        }

        using (var huge = await PostTextAsync("huge-text", "{\"text\":\"" + new string('a', 100_000) + "\"}", "application/json"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        }

        await AssertSessionUnknownAsync("ct-text");
        await AssertSessionUnknownAsync("huge-text");
    }

    private async Task<HttpResponseMessage> PostTextAsync(string sessionId, string json, string contentType)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await service.Http.PostAsync($"/api/v1/sessions/{sessionId}/messages", content, Ct);
    }

    private async Task<HttpResponseMessage> PostAsync(string sessionId, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await service.Http.PostAsync($"/api/v1/sessions/{sessionId}/utterances", content, Ct);
    }

    private async Task AssertSessionUnknownAsync(string sessionId)
    {
        using var response = await service.Http.GetAsync($"/api/v1/sessions/{sessionId}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
