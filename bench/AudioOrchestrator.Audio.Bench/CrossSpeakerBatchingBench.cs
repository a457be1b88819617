using System.Diagnostics;

namespace AudioOrchestrator.Audio.Bench;

/// <summary>
/// Does a silo-wide Silero batcher pay off? <c>speakers</c> live speakers each produce one 512-sample window every
/// 32 ms (real time, random phase) for a few seconds. <b>Direct</b>: each speaker runs its own window on the thread pool
/// (what the SpeakerGrain does). <b>Batched</b>: each speaker hands its window to one batcher thread and awaits the
/// probability; the batcher closes a batch at <c>maxBatch</c> windows or <c>maxDelay</c> after its first window and runs
/// it through <see cref="SileroVadBatch"/>. Figures: process CPU per window (everything, including the timers both modes
/// share and the hand-off only batching has), the mean batch size, and the added latency of batching.
/// </summary>
internal static class CrossSpeakerBatchingBench
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(32);

    public sealed record Result(double CpuMsPerWindow, long Windows, double MeanBatch, double LatencyMsP50, double LatencyMsP99);

    public static Result Direct(SileroVadModel model, SileroVadOptions options, short[] speech, int speakers, TimeSpan duration) =>
        Run(model, options, speech, speakers, duration, batcher: null);

    public static Result Batched(SileroVadModel model, SileroVadOptions options, short[] speech, int speakers, TimeSpan duration, int maxBatch, TimeSpan maxDelay)
    {
        using var batcher = new WindowBatcher(model, maxBatch, maxDelay);
        return Run(model, options, speech, speakers, duration, batcher);
    }

    private static Result Run(SileroVadModel model, SileroVadOptions options, short[] speech, int speakers, TimeSpan duration, WindowBatcher? batcher)
    {
        var streams = Enumerable.Range(0, speakers).Select(_ => new SileroVadStream(model, options)).ToArray();
        var latencies = new List<double>[speakers];
        var windows = speech.Length / SileroVadModel.WindowSamples;
        var cpu = SileroBench.CpuTime();
        var started = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, speakers).Select(s => Task.Run(async () =>
        {
            latencies[s] = [];
            var window = new short[SileroVadModel.WindowSamples];
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Tick.TotalMilliseconds));
            using var timer = new PeriodicTimer(Tick);
            for (var w = s * 13; Stopwatch.GetElapsedTime(started) < duration; w++)
            {
                speech.AsSpan((w % windows) * SileroVadModel.WindowSamples, SileroVadModel.WindowSamples).CopyTo(window);
                var submitted = Stopwatch.GetTimestamp();
                if (batcher is null)
                {
                    streams[s].Process(window);
                }
                else
                {
                    await batcher.InferAsync(streams[s], window);
                }

                latencies[s].Add(Stopwatch.GetElapsedTime(submitted).TotalMilliseconds);
                await timer.WaitForNextTickAsync();
            }
        })).ToArray();
        Task.WaitAll(tasks);
        var used = SileroBench.CpuTime() - cpu;
        foreach (var stream in streams)
        {
            stream.Dispose();
        }

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(
            used.TotalMilliseconds / all.Length,
            all.Length,
            batcher is null ? 1 : (double)all.Length / Math.Max(1, batcher.Runs),
            all[all.Length / 2],
            all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))]);
    }

    /// <summary>The prototype silo-wide batcher: one thread, one <see cref="SileroVadBatch"/>.</summary>
    private sealed class WindowBatcher : IDisposable
    {
        private readonly SileroVadBatch _batch;
        private readonly int _maxBatch;
        private readonly TimeSpan _maxDelay;
        private readonly Lock _lock = new();
        private readonly List<(SileroVadStream Stream, short[] Window, TaskCompletionSource<float> Done)> _pending = [];
        private readonly SemaphoreSlim _arrived = new(0);
        private readonly ManualResetEventSlim _full = new();
        private readonly Thread _thread;
        private volatile bool _stopping;

        public WindowBatcher(SileroVadModel model, int maxBatch, TimeSpan maxDelay)
        {
            _batch = new SileroVadBatch(model, maxBatch);
            _maxBatch = maxBatch;
            _maxDelay = maxDelay;
            _thread = new Thread(Loop) { IsBackground = true, Name = "silero-batcher" };
            _thread.Start();
        }

        public long Runs { get; private set; }

        public Task<float> InferAsync(SileroVadStream stream, short[] window)
        {
            var done = new TaskCompletionSource<float>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                _pending.Add((stream, window, done));
                if (_pending.Count >= _maxBatch)
                {
                    _full.Set();
                }
            }

            _arrived.Release();
            return done.Task;
        }

        public void Dispose()
        {
            _stopping = true;
            _arrived.Release();
            _full.Set();
            _thread.Join();
            _batch.Dispose();
            _arrived.Dispose();
            _full.Dispose();
        }

        private void Loop()
        {
            var streams = new SileroVadStream[_maxBatch];
            var windows = new short[_maxBatch * SileroVadModel.WindowSamples];
            var probabilities = new float[_maxBatch];
            var taken = new List<(SileroVadStream Stream, short[] Window, TaskCompletionSource<float> Done)>(_maxBatch);
            while (true)
            {
                _arrived.Wait();
                if (_stopping)
                {
                    return;
                }

                _full.Wait(_maxDelay); // the first window waits at most maxDelay for company
                lock (_lock)
                {
                    var count = Math.Min(_pending.Count, _maxBatch);
                    taken.Clear();
                    taken.AddRange(_pending.GetRange(0, count));
                    _pending.RemoveRange(0, count);
                    _full.Reset();
                    if (_pending.Count >= _maxBatch)
                    {
                        _full.Set();
                    }
                }

                for (var i = 1; i < taken.Count; i++)
                {
                    _arrived.Wait(); // one release per window; the first was consumed above
                }

                for (var i = 0; i < taken.Count; i++)
                {
                    streams[i] = taken[i].Stream;
                    taken[i].Window.CopyTo(windows.AsSpan(i * SileroVadModel.WindowSamples));
                }

                _batch.Process(streams.AsSpan(0, taken.Count), windows.AsSpan(0, taken.Count * SileroVadModel.WindowSamples), probabilities);
                Runs++;
                for (var i = 0; i < taken.Count; i++)
                {
                    taken[i].Done.SetResult(probabilities[i]);
                }
            }
        }
    }
}
