using System.Text.Json;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// What a <see cref="VoiceControlSocket"/> hands on: every voice gateway message that is not its own (its own are
/// Hello, Heartbeat ACK and Resumed). An exception of a malformed message (<see cref="JsonException"/>,
/// <see cref="InvalidOperationException"/>, <see cref="FormatException"/>, <see cref="KeyNotFoundException"/>,
/// <see cref="ArgumentException"/>) is counted as malformed and the socket goes on.
/// </summary>
internal interface IVoiceControlHandler
{
    /// <summary>True once Ready gave the session an SSRC: a dropped socket can then be resumed.</summary>
    bool CanResume { get; }

    /// <summary>A JSON message: its <paramref name="op"/>, its <c>d</c> (undefined when absent) and the whole UTF-8 message.</summary>
    Task OnMessageAsync(int op, JsonElement data, ReadOnlyMemory<byte> message);

    /// <summary>A binary message, <c>[seq (2 bytes)][op][payload]</c>, at least 3 bytes long.</summary>
    Task OnBinaryAsync(byte[] message);
}
