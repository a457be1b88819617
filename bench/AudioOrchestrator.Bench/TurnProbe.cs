using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Bench;

/// <summary>One measured turn: a question's frames go in, the clock runs from the end-of-input marker to the first answer frame.</summary>
public sealed record TurnMeasurement(double EndOfInputToFirstAnswerFrameMs, TurnTimings Timings);

public sealed class TurnProbe(IServiceProvider services)
{
    private readonly SpeakerAudioPublisher _publisher = services.GetRequiredService<SpeakerAudioPublisher>();
    private readonly SessionOutputHub _outputs = services.GetRequiredService<SessionOutputHub>();

    /// <summary>
    /// Sends the packets in batches of 4 frames, paced like live audio (one batch per 80 ms) unless
    /// <paramref name="paced"/> is false, then ends the input and measures.
    /// </summary>
    public async Task<TurnMeasurement> MeasureAsync(string sessionId, IReadOnlyList<byte[]> packets, CancellationToken cancellationToken, bool paced = true)
    {
        var correlationId = Guid.NewGuid().ToString("N");
        var firstFrame = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource<TurnTimings>(TaskCreationOptions.RunContinuationsAsynchronously);
        long endOfInput = 0;

        Task OnEvent(SessionOutputEvent item)
        {
            if (item.CorrelationId != correlationId)
            {
                return Task.CompletedTask;
            }

            switch (item)
            {
                case AnswerAudio:
                    firstFrame.TrySetResult(Stopwatch.GetTimestamp());
                    break;
                case AnswerCompleted done:
                    completed.TrySetResult(done.Timings);
                    break;
                case TurnFailed failed:
                    completed.TrySetException(new InvalidOperationException(failed.Reason));
                    break;
                case InputCompleted { TurnCount: 0 }:
                    completed.TrySetException(new InvalidOperationException("No speech recognised."));
                    break;
                default:
                    break;
            }

            return Task.CompletedTask;
        }

        var speaker = new SpeakerRef(sessionId, "bench");
        var stream = _publisher.GetWriter(speaker);
        await using (await _outputs.ListenAsync(sessionId, OnEvent, cancellationToken))
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < packets.Count; i += 4)
            {
                if (paced)
                {
                    // Live audio arrives in real time: batch k is complete at (k + 1) * 80 ms.
                    var due = TimeSpan.FromMilliseconds((i + 4) * 20) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }

                var frames = packets.Skip(i).Take(4).ToArray();
                await stream.Publish(new OpusFrameBatch(i, frames, DateTimeOffset.UtcNow) { CorrelationId = correlationId });
            }

            endOfInput = Stopwatch.GetTimestamp();
            await stream.Publish(new SpeakerInputEnded(DateTimeOffset.UtcNow) { CorrelationId = correlationId });
            var timings = await completed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var first = await firstFrame.Task.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            return new TurnMeasurement(Stopwatch.GetElapsedTime(endOfInput, first).TotalMilliseconds, timings);
        }
    }

    /// <summary>Opus packets of speech followed by a short tail of silence (shorter than the end-of-utterance gap).</summary>
    public static IReadOnlyList<byte[]> Packets(PcmAudio speech) => OpusPacketizer.Encode(speech);
}
