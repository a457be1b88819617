using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace AudioOrchestrator.Load;

/// <summary>A live WebSocket speaker (pcm16, wake off) in a session of its own: an open microphone, silence between turns.</summary>
internal sealed class LiveLoadSpeaker : SimulatedSpeaker
{
    private readonly ClientWebSocket _socket = new();
    private Task _reading = Task.CompletedTask;

    private LiveLoadSpeaker(IReadOnlyList<SpeechClip> clips, TurnLog log, int seed)
        : base(clips, log, seed)
    {
    }

    public override string Transport => "live";

    protected override bool SendsSilence => true;

    public static async Task<LiveLoadSpeaker> ConnectAsync(Uri service, int index, IReadOnlyList<SpeechClip> clips, TurnLog log, CancellationToken cancellationToken)
    {
        var speaker = new LiveLoadSpeaker(clips, log, index);
        speaker._socket.Options.AddSubProtocol("pcm16");
        var uri = new UriBuilder(new Uri(service, $"/api/v1/sessions/load-live-{index.ToString(CultureInfo.InvariantCulture)}/live")) { Scheme = "ws", Query = "speaker=speaker&wake=off" }.Uri;
        await speaker._socket.ConnectAsync(uri, cancellationToken);
        speaker._reading = Task.Run(speaker.ReadAsync, CancellationToken.None);
        speaker.StartSending();
        return speaker;
    }

    protected override ValueTask SendSpeechAsync(SpeechClip clip, int frame, CancellationToken cancellationToken) =>
        _socket.SendAsync(clip.Pcm16[Math.Min(frame, clip.Pcm16.Count - 1)].AsMemory(), WebSocketMessageType.Binary, true, cancellationToken);

    protected override ValueTask SendSilenceAsync(CancellationToken cancellationToken) =>
        _socket.SendAsync(SpeechClips.PcmSilence.AsMemory(), WebSocketMessageType.Binary, true, cancellationToken);

    protected override async ValueTask DisposeCoreAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException)
        {
            _socket.Abort();
        }

        _socket.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    if (!IsSilent(buffer.AsSpan(0, result.Count)))
                    {
                        OnAnswerAudio();
                    }
                }
                else if (result.EndOfMessage)
                {
                    using var json = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                    if (json.RootElement.GetProperty("event").GetString() == "answerCompleted")
                    {
                        AnswerEvents.Completed(json.RootElement.GetProperty("data"), OnAnswerCompleted);
                    }
                }
            }
        }
        catch (WebSocketException)
        {
        }
    }

    private static bool IsSilent(ReadOnlySpan<byte> pcm) => !pcm.ContainsAnyExcept((byte)0);
}

/// <summary>Reads an <c>answerCompleted</c> event's end-of-utterance time and in-silo time to first audio (docs/session-events.md).</summary>
internal static class AnswerEvents
{
    public static void Completed(JsonElement data, Action<DateTimeOffset, double> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        var timings = data.GetProperty("timings");
        if (timings.TryGetProperty("endOfUtteranceAt", out var at) && at.ValueKind == JsonValueKind.String)
        {
            completed(at.GetDateTimeOffset(), timings.GetProperty("endOfUtteranceToFirstAudioMs").GetDouble());
        }
    }
}
