using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>Speaks as a live speaker (no correlation id): Opus packets at real time, 100 ms per batch, as a Discord user sends them.</summary>
public static class LiveSpeaker
{
    /// <summary>Sends <paramref name="audio"/> numbered from <paramref name="firstSequence"/>; returns how many packets were sent.</summary>
    public static async Task<int> SendAsync(IServiceProvider clientServices, SpeakerRef speaker, PcmAudio audio, long firstSequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientServices);
        var stream = clientServices.GetRequiredService<SpeakerAudioPublisher>().GetStream(speaker);
        var packets = OpusPacketizer.Encode(audio);
        var started = DateTimeOffset.UtcNow;
        for (var i = 0; i < packets.Count; i += 5)
        {
            var batch = packets.Skip(i).Take(5).ToArray();
            await stream.OnNextAsync(new OpusFrameBatch(firstSequence + i, batch, DateTimeOffset.UtcNow));
            var wait = started + TimeSpan.FromMilliseconds((i + batch.Length) * 20) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return packets.Count;
    }
}
