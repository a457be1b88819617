using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.Hosting;

namespace AudioOrchestrator.Grains;

/// <summary>
/// Builds the agent catalog, router and intent classes when the host starts, so a misplaced agent grain, a duplicate
/// name or an unknown agent in <c>Conversation:FallbackAgent</c> or <c>Intent:Classes</c> stops start-up with its
/// message instead of failing every turn later.
/// </summary>
internal sealed class AgentStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetService(typeof(IntentClasses)) ?? throw new InvalidOperationException("The intent classes are not registered.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
