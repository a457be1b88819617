using AudioOrchestrator.Contracts;
using Orleans.BroadcastChannel;

namespace AudioOrchestrator.Grains.Tests.Output;

/// <summary>Remembers the first sequence of every frame batch of its channel, in the order the calls arrived.</summary>
public interface IAudioInOrderProbeGrain : IGrainWithStringKey
{
    Task<long[]> GetSequencesAsync();
}

/// <summary>
/// A test-only subscriber of the audio-in provider on a namespace of its own (<see cref="Namespace"/>): shows what the
/// provider, as the silo configures it, delivers to an implicitly subscribed grain.
/// </summary>
[ImplicitChannelSubscription(Namespace)]
public sealed class AudioInOrderProbeGrain : Grain, IAudioInOrderProbeGrain, IOnBroadcastChannelSubscribed
{
    public const string Namespace = "audio-in-order-probe";

    private readonly List<long> _sequences = [];

    public Task<long[]> GetSequencesAsync() => Task.FromResult(_sequences.ToArray());

    public Task OnSubscribed(IBroadcastChannelSubscription streamSubscription)
    {
        ArgumentNullException.ThrowIfNull(streamSubscription);
        streamSubscription.Attach<SpeakerStreamEvent>(OnItemAsync, _ => Task.CompletedTask);
        return Task.CompletedTask;
    }

    private async Task OnItemAsync(SpeakerStreamEvent item)
    {
        if (item is OpusFrameBatch batch)
        {
            // Yield now and then, so a delivery that did not wait for the previous one would overtake it.
            if (batch.FirstSequence % 7 == 0)
            {
                await Task.Yield();
            }

            _sequences.Add(batch.FirstSequence);
        }
    }
}
