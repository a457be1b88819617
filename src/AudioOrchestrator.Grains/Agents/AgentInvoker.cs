using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>An agent could not be asked: unknown, nested too deep, or out of time.</summary>
public sealed class AgentInvocationException : Exception
{
    public AgentInvocationException()
    {
    }

    public AgentInvocationException(string message)
        : base(message)
    {
    }

    public AgentInvocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The one way to ask an agent: by the session, and by agents asking other agents.</summary>
public interface IAgentInvoker
{
    /// <summary>Streams <paramref name="agent"/>'s answer to <paramref name="request"/>, cancelled at the request's deadline.</summary>
    /// <exception cref="AgentInvocationException">Unknown agent, or <see cref="AgentRequest.Depth"/> over <c>Conversation:MaxAgentDepth</c>.</exception>
    /// <exception cref="TimeoutException">The deadline passed before the answer ended.</exception>
    IAsyncEnumerable<AgentUpdate> InvokeAsync(string agent, AgentRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// From inside an agent: asks <paramref name="agent"/> about <paramref name="text"/> with the caller's conversation,
    /// context and deadline, one level deeper (slots from <paramref name="agent"/>'s phrases when one fits).
    /// </summary>
    IAsyncEnumerable<AgentUpdate> DelegateAsync(AgentRequest caller, string agent, string text, CancellationToken cancellationToken);
}

/// <summary>Asks agent grains (one activation per silo, streaming): enforces the depth limit and the deadline.</summary>
public sealed class GrainAgentInvoker(IGrainFactory grains, AgentCatalog catalog, IOptions<ConversationOptions> options, TimeProvider clock) : IAgentInvoker
{
    public async IAsyncEnumerable<AgentUpdate> InvokeAsync(string agent, AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var descriptor = catalog.Find(agent) ?? throw new AgentInvocationException($"There is no agent named '{agent}'.");
        if (request.Depth > options.Value.MaxAgentDepth)
        {
            throw new AgentInvocationException(
                $"Agent '{agent}' was asked at depth {request.Depth}: agents calling agents may nest {options.Value.MaxAgentDepth} deep (Conversation:MaxAgentDepth).");
        }

        var remaining = request.Deadline - clock.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            throw new TimeoutException($"Agent '{agent}' was asked after the turn's deadline had passed.");
        }

        using var deadline = new CancellationTokenSource(remaining, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var grain = grains.GetGrain<IAgentGrain>(descriptor.Name, descriptor.GrainClass.FullName);
        var updates = grain.RespondAsync(request, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                bool moved;
                try
                {
                    moved = await updates.MoveNextAsync();
                }
                catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Agent '{agent}' did not finish its answer within the turn's deadline.", ex);
                }

                if (!moved)
                {
                    yield break;
                }

                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    public IAsyncEnumerable<AgentUpdate> DelegateAsync(AgentRequest caller, string agent, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(text);
        var descriptor = catalog.Find(agent) ?? throw new AgentInvocationException($"There is no agent named '{agent}'.");
        var request = caller with { Text = text, Slots = AgentRouter.SlotsFor(descriptor, text), Depth = caller.Depth + 1 };
        return InvokeAsync(agent, request, cancellationToken);
    }
}
