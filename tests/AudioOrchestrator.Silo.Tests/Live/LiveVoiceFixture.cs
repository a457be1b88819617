using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Ingress.Live;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests.Live;

/// <summary>The real service with small live voice limits (sockets, message size, send timeout), so the tests reach them.</summary>
public class LiveVoiceFixture : ServiceFixture
{
    public const int MaxSocketsPerSession = 3;
    public const int MaxSocketsPerProcess = 6;
    public const int MaxMessageBytes = 4096;

    public LiveSocketRegistry Registry => Services.GetRequiredService<LiveSocketRegistry>();

    protected override Task<IReadOnlyDictionary<string, string?>> SettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["LiveVoice:MaxSocketsPerSession"] = MaxSocketsPerSession.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVoice:MaxSocketsPerProcess"] = MaxSocketsPerProcess.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVoice:MaxMessageBytes"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVoice:SendTimeout"] = "00:00:02",
        });

    /// <summary>
    /// Small, fixed socket send buffers (a slow client's window, as on a phone), so a client that never reads fills them
    /// within seconds of answer audio instead of the megabytes loopback would take.
    /// </summary>
    protected override void Customize(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = endpoint =>
        {
            var socket = Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.SendBufferSize = 16 * 1024; // inherited by the accepted sockets
            return socket;
        });

        // Kestrel's own minimum data rate would abort a stalled client too (after its 5 s grace); off, so that the
        // transport's LiveVoice:SendTimeout is what is tested.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MinResponseDataRate = null);
    }

    /// <summary>Waits until the sockets of earlier tests are gone on the server side (their places are free again).</summary>
    public Task NoSocketsAsync() => TestWait.UntilAsync(() => Registry.Open == 0, () => $"no live sockets open (still {Registry.Open})");

    public Task<LiveTestClient> ConnectAsync(string session, string? query, string? subprotocol, bool reading = true, HttpMessageInvoker? invoker = null) =>
        LiveTestClient.ConnectAsync(Http.BaseAddress!, session, query, subprotocol, TestContext.Current.CancellationToken, reading, invoker);

    /// <summary>What espeak-ng says, as 16 kHz mono samples, with silence before and after.</summary>
    public static async Task<short[]> SpeechAsync(string text, TimeSpan silenceAfter)
    {
        var wav = await EspeakCli.SayAsync(text, TestContext.Current.CancellationToken);
        var speech = WavCodec.Decode(wav).ToMono().ResampleTo(16000).Samples;
        var before = new short[16000 * 3 / 10];
        var after = new short[(int)(16000 * silenceAfter.TotalSeconds)];
        return [.. before, .. speech, .. after];
    }

    /// <summary>Puts a typed question to the session (REST), spoken or not.</summary>
    public async Task AskAsync(string session, string text, bool speak = false)
    {
        using var response = await Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speaker = "typist", speak }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }
}

[CollectionDefinition(Name)]
public sealed class LiveVoiceCollection : ICollectionFixture<LiveVoiceFixture>
{
    public const string Name = "live voice";
}

/// <summary>The real service with a one-second live idle timeout.</summary>
public sealed class LiveIdleFixture : ServiceFixture
{
    protected override Task<IReadOnlyDictionary<string, string?>> SettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["LiveVoice:IdleTimeout"] = "00:00:01" });
}
