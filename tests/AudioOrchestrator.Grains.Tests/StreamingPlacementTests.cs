using System.Runtime.CompilerServices;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>A grain that streams numbers slowly, as a language model streams tokens.</summary>
public interface IStreamingProbeGrain : IGrainWithStringKey
{
    IAsyncEnumerable<int> CountAsync(int count, TimeSpan interval, CancellationToken cancellationToken = default);
}

/// <summary>Streams from up to four activations per silo (a plain stateless worker).</summary>
[StatelessWorker(4)]
public sealed class ManyWorkersStreamingGrain : Grain, IStreamingProbeGrain
{
    public async IAsyncEnumerable<int> CountAsync(int count, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Delay(interval, cancellationToken);
            yield return i;
        }
    }
}

/// <summary>Streams from one activation per silo, as agents do.</summary>
[StatelessWorker(1, removeIdleWorkers: false)]
public sealed class OneWorkerStreamingGrain : Grain, IStreamingProbeGrain
{
    public async IAsyncEnumerable<int> CountAsync(int count, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Delay(interval, cancellationToken);
            yield return i;
        }
    }
}

/// <summary>
/// Why agents are <c>[StatelessWorker(1, removeIdleWorkers: false)]</c>: Orleans keeps a streamed answer's enumerator in
/// the activation that started it, and with several stateless-worker activations a later call of the enumeration can
/// be dispatched to another one (EnumerationAbortedException). One activation serves any number of concurrent streams
/// because every call of an enumeration interleaves.
/// </summary>
public sealed class StreamingPlacementTests(PipelineCluster fixture) : IClassFixture<PipelineCluster>
{
    private const int Streams = 8;
    private const int Items = 15;

    private async Task<(int Complete, int Aborted)> RunConcurrentStreamsAsync(string grainClass)
    {
        var grain = fixture.Client.GetGrain<IStreamingProbeGrain>("shared", grainClass);
        var results = await Task.WhenAll(Enumerable.Range(0, Streams).Select(async _ =>
        {
            var received = new List<int>();
            try
            {
                await foreach (var item in grain.CountAsync(Items, TimeSpan.FromMilliseconds(15), TestContext.Current.CancellationToken))
                {
                    received.Add(item);
                }

                return received.SequenceEqual(Enumerable.Range(0, Items));
            }
            catch (EnumerationAbortedException)
            {
                return false;
            }
        }));
        return (results.Count(r => r), results.Count(r => !r));
    }

    [Fact]
    public async Task One_activation_per_silo_streams_many_concurrent_answers_completely()
    {
        var (complete, aborted) = await RunConcurrentStreamsAsync(typeof(OneWorkerStreamingGrain).FullName!);

        Assert.Equal((Streams, 0), (complete, aborted));
    }

    [Fact]
    public async Task Several_activations_per_silo_lose_concurrent_streams()
    {
        var (_, aborted) = await RunConcurrentStreamsAsync(typeof(ManyWorkersStreamingGrain).FullName!);

        Assert.True(aborted > 0, "with four activations, some enumerations were continued on an activation that did not hold them");
    }

    [Fact]
    public async Task Disposing_a_stream_cancels_the_producer_in_the_grain()
    {
        var grain = fixture.Client.GetGrain<IStreamingProbeGrain>("cancel", typeof(OneWorkerStreamingGrain).FullName!);
        await using var items = grain.CountAsync(1000, TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await items.MoveNextAsync());

        var disposed = items.DisposeAsync().AsTask();

        // The producer honours its token, so disposal returns as soon as the grain has cancelled it (not after 1000 items).
        await disposed.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }
}
