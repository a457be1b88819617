using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>Holds whether a preemptively prepared turn was committed or discarded; tools with side effects wait on it.</summary>
public sealed class TurnCommitGrain : Grain, ITurnCommitGrain
{
    private readonly TaskCompletionSource<bool> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<bool> WaitAsync() => _decision.Task;

    public Task DecideAsync(bool committed)
    {
        _decision.TrySetResult(committed);
        return Task.CompletedTask;
    }
}
