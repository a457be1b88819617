using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing;

/// <summary>Sends audio as a live speaker does (a Discord client): 20 ms Opus packets at real time, then silence frames.</summary>
public static class LiveAudio
{
    /// <summary>The Opus silence frame a Discord client sends when it stops transmitting.</summary>
    public static ReadOnlyMemory<byte> SilenceFrame { get; } = new byte[] { 0xF8, 0xFF, 0xFE };

    /// <summary>Silence frames a Discord client sends after the audio, before it stops sending.</summary>
    public const int TrailingSilenceFrames = 5;

    /// <summary>
    /// Encodes <paramref name="audio"/> and hands each batch of up to 5 packets (first sequence number, packets) to
    /// <paramref name="publish"/> when its time has come, followed by <see cref="TrailingSilenceFrames"/> silence frames
    /// as a Discord client ends its transmission; returns how many packets were sent (the next sequence number is
    /// <paramref name="firstSequence"/> plus that).
    /// </summary>
    public static async Task<int> SendAsync(Func<long, byte[][], Task> publish, PcmAudio audio, long firstSequence, CancellationToken cancellationToken) =>
        (await SendTimedAsync(publish, audio, firstSequence, cancellationToken)).Packets;

    /// <summary>
    /// As <see cref="SendAsync"/>, and also says how late the sender was: the most any batch was handed over after its
    /// due time. On a starved machine the sender itself can stall; a stall longer than the service's packet-gap time
    /// is a real pause to the service (a Discord client whose packets stop is silent), which some tests must tell apart.
    /// </summary>
    public static async Task<LiveSend> SendTimedAsync(Func<long, byte[][], Task> publish, PcmAudio audio, long firstSequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var packets = OpusPacketizer.Encode(audio).Concat(Enumerable.Repeat(SilenceFrame.ToArray(), TrailingSilenceFrames)).ToArray();
        var started = DateTimeOffset.UtcNow;
        var maxLate = TimeSpan.Zero;
        for (var i = 0; i < packets.Length; i += 5)
        {
            var batch = packets.Skip(i).Take(5).ToArray();
            await publish(firstSequence + i, batch);
            var handedOver = DateTimeOffset.UtcNow;
            var late = handedOver - (started + TimeSpan.FromMilliseconds(i * 20));
            maxLate = late > maxLate ? late : maxLate;
            var wait = started + TimeSpan.FromMilliseconds((i + batch.Length) * 20) - handedOver;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return new LiveSend(packets.Length, maxLate);
    }
}

/// <summary>What <see cref="LiveAudio.SendTimedAsync"/> sent: the packet count and the sender's largest lateness.</summary>
public sealed record LiveSend(int Packets, TimeSpan MaxLate);
