using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing;

/// <summary>Audio sent as a live speaker sends it: 20 ms Opus packets at real time, five to a batch (100 ms).</summary>
public static class LiveAudio
{
    /// <summary>
    /// Encodes <paramref name="audio"/> and hands each batch (first sequence number, packets) to <paramref name="publish"/>
    /// when its time has come; returns how many packets were sent.
    /// </summary>
    public static async Task<int> SendAsync(Func<long, byte[][], Task> publish, PcmAudio audio, long firstSequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var packets = OpusPacketizer.Encode(audio);
        var started = DateTimeOffset.UtcNow;
        for (var i = 0; i < packets.Count; i += 5)
        {
            var batch = packets.Skip(i).Take(5).ToArray();
            await publish(firstSequence + i, batch);
            var wait = started + TimeSpan.FromMilliseconds((i + batch.Length) * 20) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return packets.Count;
    }
}
