using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>
/// Holds whether a preemptively prepared turn was committed or discarded; tools with side effects wait on it. One
/// activation per prepared turn, so it goes away on its own <c>Conversation:AgentTimeout</c> after it was activated:
/// the turn's deadline (its start plus that time) was fixed before either the decision or a tool's wait could come,
/// so by then no tool of it can ask any more. (Left to Orleans' idle collection, a busy silo kept every prepared
/// turn's activation for 15 minutes.) A turn still undecided then was never committed: a waiter is told false. Every
/// silo must have the same <c>Conversation:AgentTimeout</c>.
/// </summary>
public sealed class TurnCommitGrain(IOptions<ConversationOptions> options) : Grain, ITurnCommitGrain
{
    private readonly TaskCompletionSource<bool> _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Interleaved: the waiters' calls are still running when it comes.
        this.RegisterGrainTimer(
            static (grain, _) => grain.ExpireAsync(),
            this,
            new GrainTimerCreationOptions(options.Value.AgentTimeout, Timeout.InfiniteTimeSpan) { Interleave = true });
        return Task.CompletedTask;
    }

    public Task<bool> WaitAsync() => _decision.Task;

    public Task DecideAsync(bool committed)
    {
        _decision.TrySetResult(committed);
        return Task.CompletedTask;
    }

    private Task ExpireAsync()
    {
        _decision.TrySetResult(false);
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
