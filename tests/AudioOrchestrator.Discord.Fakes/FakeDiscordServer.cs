using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Fakes;

/// <summary>
/// A local Discord on 127.0.0.1, written from the gateway documentation: the v10 gateway WebSocket (JSON, no
/// compression) at <c>/gateway</c> and <c>/resume</c>, and <c>GET /api/v10/gateway/bot</c>. Sessions keep their
/// dispatches so Resume replays what a client missed.
/// </summary>
public sealed class FakeDiscordServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly long _started;
    private readonly ConcurrentDictionary<string, FakeSession> _sessions = new();
    private readonly ConcurrentQueue<FakeConnection> _connections = new();
    private readonly ConcurrentQueue<FakeReceivedPayload> _received = new();
    private readonly ConcurrentQueue<FakeVoiceStateRequest> _voiceRequests = new();
    private readonly ConcurrentQueue<(int ShardId, TimeSpan At)> _identifies = new();
    private readonly Dictionary<int, TimeSpan> _lastIdentifyPerBucket = [];
    private readonly object _identifyGate = new();
    private int _nextConnectionId;

    private FakeDiscordServer(WebApplication app, FakeDiscordOptions options)
    {
        _app = app;
        Options = options;
        _started = options.TimeProvider.GetTimestamp();
        Rest = new FakeDiscordRest(this);
    }

    /// <summary>The configuration (may be changed while running).</summary>
    public FakeDiscordOptions Options { get; }

    /// <summary>The slash-command REST endpoints (commands, interaction callbacks, webhooks, channel messages).</summary>
    public FakeDiscordRest Rest { get; }

    /// <summary>The HTTP base, e.g. <c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The gateway URL (as <c>GET /gateway/bot</c> gives it).</summary>
    public Uri GatewayUrl => new(BaseUrl.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "gateway");

    /// <summary>The resume URL handed out in Ready.</summary>
    public Uri ResumeUrl => new(BaseUrl.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "resume");

    /// <summary>The REST API base.</summary>
    public Uri ApiBaseUrl => new(BaseUrl, "api/v10/");

    /// <summary>Every WebSocket connection so far, in order.</summary>
    public IReadOnlyList<FakeConnection> Connections => _connections.ToArray();

    /// <summary>Every client payload so far.</summary>
    public IReadOnlyList<FakeReceivedPayload> Received => _received.ToArray();

    /// <summary>Every op 4 so far.</summary>
    public IReadOnlyList<FakeVoiceStateRequest> VoiceStateRequests => _voiceRequests.ToArray();

    /// <summary>Every accepted Identify: shard and time.</summary>
    public IReadOnlyList<(int ShardId, TimeSpan At)> Identifies => _identifies.ToArray();

    /// <summary>Sessions created so far.</summary>
    public IReadOnlyCollection<FakeSession> Sessions => _sessions.Values.ToArray();

    /// <summary>Number of <c>GET /gateway/bot</c> calls with a valid token.</summary>
    public int GatewayBotCalls { get; private set; }

    /// <summary>Time since the server started.</summary>
    public TimeSpan Now => Elapsed;

    /// <summary>Starts a fake on a free loopback port.</summary>
    public static async Task<FakeDiscordServer> StartAsync(FakeDiscordOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeDiscordServer(app, options);
        app.UseWebSockets();
        app.Map("/gateway", server.HandleGatewayAsync);
        app.Map("/resume", server.HandleGatewayAsync);
        app.MapGet("/api/v10/gateway/bot", server.HandleGatewayBotAsync);
        server.Rest.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>The session of a shard that was identified last.</summary>
    public FakeSession SessionForShard(int shardId) =>
        _sessions.Values.Where(s => s.ShardId == shardId).OrderByDescending(s => s.CreatedAt).FirstOrDefault()
        ?? throw new InvalidOperationException($"No session for shard {shardId}.");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Abort();
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    internal TimeSpan Elapsed => Options.TimeProvider.GetElapsedTime(_started);

    private Task HandleGatewayBotAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization != "Bot " + Options.Token)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return context.Response.WriteAsync("{\"message\": \"401: Unauthorized\", \"code\": 0}");
        }

        GatewayBotCalls++;
        context.Response.ContentType = "application/json";
        var gateway = GatewayUrl.ToString();
        var body = $$$"""
            {"url": "{{{gateway}}}", "shards": {{{Options.RecommendedShards}}}, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": {{{Options.MaxConcurrency}}}}}
            """;
        return context.Response.WriteAsync(body);
    }

    private async Task HandleGatewayAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var connection = new FakeConnection(
            Interlocked.Increment(ref _nextConnectionId), this, socket, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty);
        _connections.Enqueue(connection);
        try
        {
            await connection.RunAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            connection.Ended = true;
        }
        finally
        {
            connection.Ended = true;
            connection.Session?.Detach(connection);
        }
    }

    internal void Record(FakeReceivedPayload payload) => _received.Enqueue(payload);

    internal void Record(FakeVoiceStateRequest request) => _voiceRequests.Enqueue(request);

    /// <summary>Identify concurrency: true if the shard's bucket allows an identify now.</summary>
    internal bool TryTakeIdentify(int shardId)
    {
        lock (_identifyGate)
        {
            var bucket = shardId % Math.Max(1, Options.MaxConcurrency);
            var now = Elapsed;
            if (_lastIdentifyPerBucket.TryGetValue(bucket, out var last) && now - last < Options.IdentifyWindow)
            {
                return false;
            }

            _lastIdentifyPerBucket[bucket] = now;
            _identifies.Enqueue((shardId, now));
            return true;
        }
    }

    internal FakeSession CreateSession(int shardId, int shardCount)
    {
        var session = new FakeSession(this, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), shardId, shardCount, Elapsed);
        _sessions[session.SessionId] = session;
        return session;
    }

    internal FakeSession? FindSession(string sessionId) => _sessions.TryGetValue(sessionId, out var s) && !s.Invalidated ? s : null;

    internal IEnumerable<FakeGuild> GuildsOfShard(int shardId, int shardCount) =>
        Options.Guilds.Where(g => (int)((g.Id >> 22) % (ulong)shardCount) == shardId);

    internal static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
