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
    public static async Task<int> SendAsync(Func<long, byte[][], Task> publish, PcmAudio audio, long firstSequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var packets = OpusPacketizer.Encode(audio).Concat(Enumerable.Repeat(SilenceFrame.ToArray(), TrailingSilenceFrames)).ToArray();
        var started = DateTimeOffset.UtcNow;
        for (var i = 0; i < packets.Length; i += 5)
        {
            var batch = packets.Skip(i).Take(5).ToArray();
            await publish(firstSequence + i, batch);
            var wait = started + TimeSpan.FromMilliseconds((i + batch.Length) * 20) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return packets.Length;
    }
}
