using System.Collections.Concurrent;
using System.Diagnostics;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Bench;

/// <summary>
/// One audio-out hop as live audio uses it: an event every 20 ms published to a session's output relay grain and
/// pushed to the ingress' own subscription (its observer); measures publish-to-delivery latency.
/// </summary>
public sealed class StreamHopProbe(IServiceProvider services)
{
    public async Task<IReadOnlyList<double>> MeasureAsync(int events, CancellationToken cancellationToken)
    {
        var outputs = services.GetRequiredService<SessionOutputHub>();
        var client = services.GetRequiredService<IClusterClient>();
        var sessionId = "hop-" + Guid.NewGuid().ToString("N")[..8];
        var sent = new ConcurrentDictionary<long, long>();
        var latencies = new ConcurrentBag<double>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frame = new byte[][] { new byte[60] };

        Task OnEvent(SessionOutputEvent item)
        {
            if (item is AnswerAudio audio && sent.TryGetValue(audio.FirstSequence, out var at))
            {
                latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                if (latencies.Count == events)
                {
                    all.TrySetResult();
                }
            }

            return Task.CompletedTask;
        }

        var relay = client.GetGrain<ISessionOutputRelayGrain>(sessionId);
        await using (await outputs.ListenAsync(sessionId, OnEvent, cancellationToken))
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            for (var i = 0; i < events; i++)
            {
                await timer.WaitForNextTickAsync(cancellationToken);
                sent[i] = Stopwatch.GetTimestamp();
                await relay.PublishAsync(new AnswerAudio("hop", i, frame));
            }

            await all.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }

        return [.. latencies];
    }
}
