using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// The sink of a turn answered ahead of time: its events are held back and its speech waits until the turn is
/// committed (<see cref="CommitAsync"/>, then the held events go out in order) or discarded (<see cref="Discard"/>:
/// nothing ever goes out). Runs on the session grain's scheduler.
/// </summary>
public sealed class HeldTurnSink(ITurnSink inner) : ITurnSink
{
    private readonly Queue<SessionOutputEvent> _held = new();
    private readonly TaskCompletionSource<bool> _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _open;

    public async Task PublishAsync(SessionOutputEvent item)
    {
        if (_open)
        {
            await inner.PublishAsync(item);
        }
        else if (!_decided.Task.IsCompleted)
        {
            _held.Enqueue(item);
        }
    }

    public async Task<SynthesisResult> SpeakAsync(SpeechRequest request)
    {
        if (!await _decided.Task)
        {
            throw new OperationCanceledException("The prepared answer was discarded.");
        }

        return await inner.SpeakAsync(request);
    }

    /// <summary>The turn is kept: publishes what was held, in order, then lets speech through.</summary>
    public async Task CommitAsync()
    {
        while (_held.TryDequeue(out var item))
        {
            await inner.PublishAsync(item); // events held meanwhile join the queue and go out in this loop
        }

        _open = true;
        _decided.TrySetResult(true);
    }

    /// <summary>The turn is thrown away: nothing held goes out, speech never starts.</summary>
    public void Discard()
    {
        _held.Clear();
        _decided.TrySetResult(false);
    }
}
