using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>MCP server connections on their own: reconnecting after a server dies, refreshing when its tools change, and an unreachable server.</summary>
public sealed class McpConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static McpToolCatalog Catalog(McpServerOptions server) => new(
        Options.Create(new McpOptions { Servers = { ["local"] = server }, ReconnectDelay = TimeSpan.FromMilliseconds(100) }),
        TimeProvider.System,
        NullLoggerFactory.Instance);

    private static McpServerOptions Stdio() => new()
    {
        Command = "dotnet",
        Arguments = [Path.Combine(AppContext.BaseDirectory, "AudioOrchestrator.McpTestServer.dll")],
    };

    [Fact]
    public async Task A_stdio_server_that_dies_is_started_again_and_its_tools_come_back()
    {
        await using var catalog = Catalog(Stdio());
        await catalog.StartAsync(Ct);
        var server = catalog.Servers.Single();
        await TestWait.UntilAsync(() => server.IsConnected && server.Tools.Count > 0, "the server to connect");

        try
        {
            await server.Tools.Single(t => t.Name == "local_crash").InvokeAsync(new AIFunctionArguments(), Ct);
        }
        catch (ModelContextProtocol.Client.ClientTransportClosedException)
        {
            // The process exits 100 ms after answering; on a loaded machine it may be gone before the answer is read.
        }

        await TestWait.UntilAsync(() => server.Connections == 2 && server.IsConnected && server.Tools.Any(t => t.Name == "local_shout"), "the server to be started again");
    }

    [Fact]
    public async Task When_a_server_adds_a_tool_the_list_is_refreshed()
    {
        await using var catalog = Catalog(Stdio());
        await catalog.StartAsync(Ct);
        var server = catalog.Servers.Single();
        await TestWait.UntilAsync(() => server.IsConnected && server.Tools.Count > 0, "the server to connect");
        Assert.DoesNotContain(server.Tools, t => t.Name == "local_added");

        await server.Tools.Single(t => t.Name == "local_add_tool").InvokeAsync(new AIFunctionArguments(), Ct);

        await TestWait.UntilAsync(() => server.Tools.Any(t => t.Name == "local_added"), "the new tool to be listed");
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task An_unreachable_server_offers_no_tools_and_breaks_nothing()
    {
        await using var catalog = Catalog(new McpServerOptions { Url = $"http://127.0.0.1:{LoopbackPorts.Free()}/mcp" });
        await catalog.StartAsync(Ct);
        var server = catalog.Servers.Single();

        await TestWait.UntilAsync(() => server.ConsecutiveFailures > 0, "a failed connection attempt");

        Assert.False(server.IsConnected);
        Assert.Empty(server.Tools);
        Assert.Empty(catalog.For(guildId: null).SelectMany(s => s.Tools));
    }
}
