using AudioOrchestrator.Contracts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>The tools of one answer, and what they share with the agent.</summary>
public sealed record ToolSet(IReadOnlyList<AITool> Tools, ToolContext Context);

/// <summary>Gives a language-model agent the tools it may offer for one request.</summary>
public interface IAgentToolbox
{
    ToolSet For(AgentRequest request);
}

/// <summary>The built-in tools and the MCP servers' tools the session's guild may use, each behind a <see cref="GuardedTool"/>.</summary>
public sealed class AgentToolbox(BuiltInTools builtIns, McpToolCatalog mcp, IOptions<ToolOptions> options, IGrainFactory grains, TimeProvider clock) : IAgentToolbox
{
    public ToolSet For(AgentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value;
        var context = new ToolContext(request, cancellationToken => grains.GetGrain<ITurnCommitGrain>(request.TurnId).WaitAsync().WaitAsync(cancellationToken));
        if (!settings.Enabled)
        {
            return new ToolSet([], context);
        }

        var tools = new List<AITool>();
        foreach (var tool in builtIns.Create(context))
        {
            tools.Add(new GuardedTool(tool.Function, context, settings.CallTimeout, settings.MaxResultCharacters, tool.HasSideEffects, clock));
        }

        foreach (var server in mcp.For(request.GuildId))
        {
            foreach (var tool in server.Tools)
            {
                // MCP's default is to assume side effects unless the server says the tool only reads.
                var readOnly = tool.ProtocolTool.Annotations?.ReadOnlyHint == true;
                tools.Add(new GuardedTool(tool, context, server.CallTimeout ?? settings.CallTimeout, settings.MaxResultCharacters, !readOnly, clock));
            }
        }

        return new ToolSet(tools, context);
    }
}
