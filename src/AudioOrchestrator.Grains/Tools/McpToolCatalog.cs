using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>The MCP servers of <c>Mcp:Servers</c>, connected when the silo starts (in the background: a server that is down delays nothing).</summary>
public sealed class McpToolCatalog : IHostedService, IAsyncDisposable
{
    private readonly IReadOnlyList<McpServerConnection> _servers;

    public McpToolCatalog(IOptions<McpOptions> options, TimeProvider clock, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _servers = [.. options.Value.Servers.Select(s => new McpServerConnection(s.Key, s.Value, options.Value.ReconnectDelay, clock, loggers))];
    }

    public IReadOnlyList<McpServerConnection> Servers => _servers;

    /// <summary>The servers whose tools a session of <paramref name="guildId"/> may use.</summary>
    public IEnumerable<McpServerConnection> For(string? guildId) =>
        _servers.Where(s => s.Guilds.Count == 0 || (guildId is not null && s.Guilds.Contains(guildId)));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var server in _servers)
        {
            server.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
