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
