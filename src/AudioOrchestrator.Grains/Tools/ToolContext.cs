using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>
/// What the tools of one answer share with the agent that offered them: the request, the actions they ask for (taken
/// when the turn is committed, never for a discarded or interrupted answer), the errors of their calls by call id, and
/// the wait for the turn's commit that tools with side effects make in a preemptive answer.
/// </summary>
public sealed class ToolContext(AgentRequest request, Func<CancellationToken, Task<bool>> waitForCommit)
{
    private readonly ConcurrentQueue<AgentAction> _actions = new();
    private readonly ConcurrentDictionary<string, string> _errors = new(StringComparer.Ordinal);

    public AgentRequest Request { get; } = request;

    /// <summary>Queues an action for the turn's commit.</summary>
    public void Defer(AgentAction action) => _actions.Enqueue(action);

    /// <summary>The actions queued since the last call.</summary>
    public IEnumerable<AgentAction> TakeActions()
    {
        while (_actions.TryDequeue(out var action))
        {
            yield return action;
        }
    }

    /// <summary>Records why call <paramref name="callId"/> failed (the model is told in words).</summary>
    public void Failed(string? callId, string error)
    {
        if (callId is not null)
        {
            _errors[callId] = error;
        }
    }

    public string? ErrorOf(string callId) => _errors.GetValueOrDefault(callId);

    /// <summary>For tools with side effects: true to go ahead, false when the answer was discarded.</summary>
    public Task<bool> WaitForCommitAsync(CancellationToken cancellationToken) => waitForCommit(cancellationToken);
}
