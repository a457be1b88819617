using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>
/// One MCP server: connects (stdio: starts the program; HTTP: streamable HTTP), lists its tools, lists them again when
/// the server says they changed, and reconnects with a growing delay when the connection fails or ends. Tools whose
/// name or input schema a chat API would refuse are left out (and logged), so one bad tool cannot break every answer.
/// </summary>
public sealed partial class McpServerConnection : IAsyncDisposable
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromMinutes(1);

    private readonly McpServerOptions _options;
    private readonly TimeSpan _firstDelay;
    private readonly TimeProvider _clock;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;
    private McpClient? _client;
    private volatile IReadOnlyList<McpClientTool> _tools = [];
    private int _disposed;

    public McpServerConnection(string name, McpServerOptions options, TimeSpan reconnectDelay, TimeProvider clock, ILoggerFactory loggers)
    {
        Name = name;
        _options = options;
        _firstDelay = reconnectDelay;
        _clock = clock;
        _loggers = loggers;
        _logger = loggers.CreateLogger<McpServerConnection>();
    }

    public string Name { get; }

    /// <summary>The server's tools now (empty while it is not connected).</summary>
    public IReadOnlyList<McpClientTool> Tools => _tools;

    /// <summary>True while connected.</summary>
    public bool IsConnected { get; private set; }

    /// <summary>How many times a connection was made (the first included).</summary>
    public int Connections { get; private set; }

    /// <summary>Connection attempts that failed since the last successful one (0 while connected).</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Guilds that may use the tools; empty = all.</summary>
    public IList<string> Guilds => _options.Guilds;

    /// <summary>The call timeout for this server's tools, when it has its own.</summary>
    public TimeSpan? CallTimeout => _options.CallTimeout;

    public void Start() => _running ??= RunAsync(_stopping.Token);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var delay = _firstDelay;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var client = await McpClient.CreateAsync(Transport(), ClientOptions(), _loggers, stopping);
                _client = client;
                await RefreshAsync(stopping);
                IsConnected = true;
                Connections++;
                ConsecutiveFailures = 0;
                delay = _firstDelay;
                LogConnected(_logger, Name, _tools.Count);
                await client.Completion.WaitAsync(stopping);
                LogDisconnected(_logger, Name);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Any failure of a server is retried later; the service keeps working.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (ConsecutiveFailures++ == 0)
                {
                    LogFailed(_logger, ex, Name);
                }
            }
            finally
            {
                IsConnected = false;
                _client = null;
                _tools = [];
            }

            try
            {
                await Task.Delay(delay, _clock, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private IClientTransport Transport() => _options.Url is { Length: > 0 } url
        ? new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Name = Name,
                Endpoint = new Uri(url),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = _options.Headers,
                ConnectionTimeout = TimeSpan.FromSeconds(10),
            },
            _loggers)
        : new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = Name,
                Command = _options.Command!,
                Arguments = [.. _options.Arguments],
                WorkingDirectory = _options.WorkingDirectory,
                EnvironmentVariables = _options.Environment.ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.Ordinal),
            },
            _loggers);

    private McpClientOptions ClientOptions() => new()
    {
        ClientInfo = new Implementation { Name = "audio-orchestrator", Version = "1.0" },
        InitializationTimeout = TimeSpan.FromSeconds(10),
        Handlers = new McpClientHandlers
        {
            NotificationHandlers =
            [
                new(NotificationMethods.ToolListChangedNotification, (_, _) =>
                {
                    // Not awaited: the handler runs on the connection's message loop, which must stay free to deliver the list.
                    _ = RefreshAfterChangeAsync();
                    return ValueTask.CompletedTask;
                }),
            ],
        },
    };

    private async Task RefreshAfterChangeAsync()
    {
        try
        {
            await RefreshAsync(_stopping.Token);
            LogToolsChanged(_logger, Name, _tools.Count);
        }
#pragma warning disable CA1031 // A failed refresh keeps the previous list; the next change or reconnect lists again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRefreshFailed(_logger, ex, Name);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_client is not { } client)
        {
            return;
        }

        var listed = await client.ListToolsAsync(cancellationToken: cancellationToken);
        var usable = new List<McpClientTool>();
        foreach (var tool in listed)
        {
            var name = ToolName(tool.Name);
            if (!IsObjectSchema(tool.JsonSchema))
            {
                LogBadTool(_logger, Name, tool.Name, "its input schema is not a JSON object schema");
                continue;
            }

            if (usable.Any(t => t.Name == name))
            {
                LogBadTool(_logger, Name, tool.Name, "another tool of the server has the same name");
                continue;
            }

            usable.Add(tool.WithName(name));
        }

        _tools = usable;
    }

    /// <summary>The name the model sees: server and tool, in the characters chat APIs accept, at most 64.</summary>
    internal string ToolName(string tool)
    {
        var name = InvalidNameCharacters().Replace($"{Name}_{tool}", "_");
        return name.Length <= 64 ? name : name[..64];
    }

    private static bool IsObjectSchema(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object
        && (!schema.TryGetProperty("type", out var type) || (type.ValueKind == JsonValueKind.String && type.GetString() == "object"));

    [GeneratedRegex("[^A-Za-z0-9_-]", RegexOptions.CultureInvariant)]
    private static partial Regex InvalidNameCharacters();

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server} connected with {Tools} tools")]
    private static partial void LogConnected(ILogger logger, string server, int tools);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP server {Server} changed its tools: now {Tools}")]
    private static partial void LogToolsChanged(ILogger logger, string server, int tools);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: listing its changed tools failed; the previous list stays")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server} disconnected; reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server} could not be reached; retrying with a growing delay (logged once per outage)")]
    private static partial void LogFailed(ILogger logger, Exception exception, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP server {Server}: tool {Tool} is left out: {Why}")]
    private static partial void LogBadTool(ILogger logger, string server, string tool, string why);
}
