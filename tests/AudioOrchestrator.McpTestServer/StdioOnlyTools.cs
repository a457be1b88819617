using System.ComponentModel;
using ModelContextProtocol.Server;

namespace AudioOrchestrator.McpTestServer;

/// <summary>Tools only the stdio server program has (they end or change the process it runs in).</summary>
[McpServerToolType]
public static class StdioOnlyTools
{
    [McpServerTool(Name = "crash", ReadOnly = true), Description("Ends the server process.")]
    public static string Crash()
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(100);
            Environment.Exit(3);
        });
        return "crashing";
    }

    [McpServerTool(Name = "add_tool", ReadOnly = true), Description("Adds a tool named 'added' to this server and says so (notifications/tools/list_changed).")]
    public static async Task<string> AddToolAsync(McpServer server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.ServerOptions.ToolCollection?.Add(McpServerTool.Create(() => "I was added.", new McpServerToolCreateOptions { Name = "added", ReadOnly = true }));
        await server.SendNotificationAsync(ModelContextProtocol.Protocol.NotificationMethods.ToolListChangedNotification, cancellationToken);
        return "added";
    }
}
