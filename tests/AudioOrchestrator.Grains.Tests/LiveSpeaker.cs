using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>Speaks as a live speaker (no correlation id) through the ingress publisher, as a Discord user would.</summary>
public static class LiveSpeaker
{
    /// <summary>Sends <paramref name="audio"/> numbered from <paramref name="firstSequence"/>; returns how many packets were sent.</summary>
    public static async Task<int> SendAsync(IServiceProvider clientServices, SpeakerRef speaker, PcmAudio audio, long firstSequence, CancellationToken cancellationToken) =>
        (await SendTimedAsync(clientServices, speaker, audio, firstSequence, cancellationToken)).Packets;

    /// <summary>As <see cref="SendAsync"/>, with how late the sender was (<see cref="LiveAudio.SendTimedAsync"/>).</summary>
    public static Task<LiveSend> SendTimedAsync(IServiceProvider clientServices, SpeakerRef speaker, PcmAudio audio, long firstSequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientServices);
        var stream = clientServices.GetRequiredService<SpeakerAudioPublisher>().GetWriter(speaker);
        return LiveAudio.SendTimedAsync((sequence, packets) => stream.Publish(new OpusFrameBatch(sequence, packets, DateTimeOffset.UtcNow)), audio, firstSequence, cancellationToken);
    }
}
