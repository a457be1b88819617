using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Bench;

/// <summary>
/// A live turn as a Discord user makes it: the question's packets at real time and nothing after them (live clients
/// stop sending when quiet); the clock runs from publishing the last packet to the first answer audio on audio-out.
/// </summary>
public sealed class LiveTurnProbe(IServiceProvider services)
{
    private readonly SpeakerAudioPublisher _publisher = services.GetRequiredService<SpeakerAudioPublisher>();
    private readonly SessionOutputHub _outputs = services.GetRequiredService<SessionOutputHub>();

    public async Task<double> MeasureAsync(PcmAudio question, CancellationToken cancellationToken)
    {
        var session = "bench-live-" + Guid.NewGuid().ToString("N")[..10];
        var firstAudio = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listening = await _outputs.ListenAsync(session, e =>
        {
            if (e is AnswerAudio)
            {
                firstAudio.TrySetResult(DateTimeOffset.UtcNow);
            }

            return Task.CompletedTask;
        }, cancellationToken);
        var stream = _publisher.GetWriter(new SpeakerRef(session, "bench"));
        await LiveAudio.SendAsync((sequence, packets) => stream.Publish(new OpusFrameBatch(sequence, packets, DateTimeOffset.UtcNow)), question, 0, cancellationToken);
        var spokenUntil = DateTimeOffset.UtcNow;
        return (await firstAudio.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken) - spokenUntil).TotalMilliseconds;
    }
}
