using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Speech;

/// <summary>One provider of a failover chain: its name (for logs and metrics) and its client.</summary>
public sealed record ChatProvider(string Name, IChatClient Client);

/// <summary>
/// The providers of <c>Llm</c> and <c>Llm:Fallbacks</c> in order, built on Microsoft.Extensions.AI's
/// <see cref="FailoverChatClient"/> (which fails over only while no output has reached the caller), with a circuit
/// breaker per provider: after <see cref="CircuitBreakerOptions.FailureThreshold"/> failures in a row a provider is
/// skipped for <see cref="CircuitBreakerOptions.BreakDuration"/>, then probed by one request. Every switch to the next
/// provider is counted (<c>audioorchestrator.llm.failovers</c>) and logged once; when no provider is left the request
/// fails with <see cref="LanguageModelException.NoProviderAvailable"/>.
/// </summary>
public sealed partial class CircuitBreakingFailoverChatClient : FailoverChatClient
{
    private readonly IReadOnlyList<ChatProvider> _providers;
    private readonly CircuitBreaker[] _circuits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long> _failovers;
    private readonly ConditionalWeakTable<RoutingContext, Route> _routes = [];

    public CircuitBreakingFailoverChatClient(IReadOnlyList<ChatProvider> providers, CircuitBreakerOptions options, TimeProvider time, IMeterFactory meters, ILogger<CircuitBreakingFailoverChatClient> logger)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        if (providers.Count == 0)
        {
            throw new ArgumentException("At least one provider is needed.", nameof(providers));
        }

        _providers = providers;
        _circuits = [.. providers.Select(_ => new CircuitBreaker(options))];
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _failovers = meters.Create(LanguageModels.TelemetrySourceName).CreateCounter<long>(
            "audioorchestrator.llm.failovers", description: "Requests handed from a failing language model provider to the next (tags from, to).");
        MaximumAttemptsPerRequest = providers.Count;
    }

    /// <summary>Whether the provider at <paramref name="index"/> is kept out by its circuit breaker now.</summary>
    public bool IsOpen(int index) => _circuits[index].IsOpen(_time.GetUtcNow());

    protected override ValueTask<IChatClient> SelectClientAsync(RoutingContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var route = _routes.GetValue(context, _ => new Route());
        var now = _time.GetUtcNow();
        for (var i = route.Next; i < _providers.Count; i++)
        {
            if (!_circuits[i].TryEnter(now))
            {
                route.Skipped.Add(_providers[i].Name);
                continue;
            }

            route.Next = i + 1;
            if (route.Current is { } previous)
            {
                _failovers.Add(1, new KeyValuePair<string, object?>("from", _providers[previous].Name), new KeyValuePair<string, object?>("to", _providers[i].Name));
                LogSwitch(_logger, _providers[previous].Name, route.LastFailure ?? "failed", _providers[i].Name);
            }

            route.Current = i;
            return ValueTask.FromResult(_providers[i].Client);
        }

        _routes.Remove(context);
        var reasons = new List<string>();
        if (route.LastFailure is { } failure)
        {
            reasons.Add(failure);
        }

        if (route.Skipped.Count > 0)
        {
            reasons.Add($"kept out after repeated failures: {string.Join(", ", route.Skipped)}");
        }

        throw new LanguageModelException($"No language model is available ({string.Join("; ", reasons)}).") { NoProviderAvailable = true };
    }

    protected override ValueTask OnRoutingUpdateAsync(RoutingContext context, FailoverChatClientAttempt attempt, bool isTerminal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(attempt);
        var route = _routes.GetValue(context, _ => new Route());
        if (route.Current is { } index && ReferenceEquals(_providers[index].Client, attempt.Client))
        {
            var now = _time.GetUtcNow();
            if (attempt.Exception is null)
            {
                _circuits[index].Succeeded();
            }
            else if (attempt.Exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                route.LastFailure = $"{_providers[index].Name}: {attempt.Exception.Message}";
                if (_circuits[index].Failed(now))
                {
                    LogOpened(_logger, _providers[index].Name, _circuits[index].OpenUntil);
                }
            }
        }

        if (isTerminal)
        {
            _routes.Remove(context);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Language model {From} failed ({Reason}); {To} takes over")]
    private static partial void LogSwitch(ILogger logger, string from, string reason, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Language model {Provider} is kept out after repeated failures until {Until:O}; then one request probes it")]
    private static partial void LogOpened(ILogger logger, string provider, DateTimeOffset until);

    /// <summary>Which providers one request has tried.</summary>
    private sealed class Route
    {
        public int Next { get; set; }

        public int? Current { get; set; }

        public string? LastFailure { get; set; }

        public List<string> Skipped { get; } = [];
    }
}
