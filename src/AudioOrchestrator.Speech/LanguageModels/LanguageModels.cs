using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;

namespace AudioOrchestrator.Speech;

/// <summary>What answers an agent's chat requests, as the API and the start-up log show it (never the key).</summary>
/// <param name="Provider">The first provider.</param>
/// <param name="Model">Its model (deployment for Azure OpenAI).</param>
/// <param name="Endpoint">Its base URL.</param>
/// <param name="Fallbacks">The providers that take over, in order, as "Provider model at endpoint".</param>
public sealed record LanguageModelDescription(string Provider, string Model, string Endpoint, IReadOnlyList<string>? Fallbacks = null);

/// <summary>The language models behind the agents, from configuration only.</summary>
public interface ILanguageModels
{
    /// <summary>True when a model is configured for at least the default.</summary>
    bool IsConfigured { get; }

    /// <summary>The chat client for <paramref name="agent"/> (its <c>Llm:Agents</c> override, else the default); null without a model.</summary>
    IChatClient? GetChatClient(string agent);

    /// <summary>Which model answers <paramref name="agent"/>; null without one.</summary>
    LanguageModelDescription? Describe(string agent);

    /// <summary>The system prompt for a session of <paramref name="guildId"/> (its <c>Llm:Guilds</c> prompt, else the default).</summary>
    string SystemPrompt(string? guildId);

    /// <summary>Request settings every agent starts from (output cap, temperature).</summary>
    ChatOptions CreateOptions();
}

/// <summary>
/// Builds one <see cref="IChatClient"/> per distinct chain of providers (an agent's model, then <c>Llm:Fallbacks</c>):
/// OpenAI or any OpenAI-compatible server through <see cref="OpenAIClient"/>, Azure OpenAI through
/// <see cref="AzureOpenAIClient"/> (API key, or Entra ID with <see cref="DefaultAzureCredential"/>). Each provider is
/// wrapped in <see cref="ResilientChatClient"/> and the library's OpenTelemetry and logging middleware; the chain in
/// <see cref="CircuitBreakingFailoverChatClient"/>; the whole in the library's function invocation (tools) and
/// <see cref="SecretScrubbingChatClient"/>. The SDKs' own retries are off: one retry policy.
/// </summary>
public sealed class LanguageModels : ILanguageModels, IDisposable
{
    /// <summary>The OpenTelemetry source and meter name of the chat clients' telemetry.</summary>
    public const string TelemetrySourceName = "AudioOrchestrator.LanguageModels";

    private readonly LlmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly IMeterFactory _meters;
    private readonly SecretValues _secrets;
    private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<IDisposable> _owned = [];

    // One HTTP client for every provider; a cancelled streamed answer (barge-in, a timeout) closes its connection at once.
    private readonly HttpClient _http = OpenAIClients.CreateHttpClient();

    public LanguageModels(IOptions<LlmOptions> options, TimeProvider time, ILoggerFactory loggers, IMeterFactory meters, SecretValues? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _loggers = loggers ?? throw new ArgumentNullException(nameof(loggers));
        _meters = meters ?? throw new ArgumentNullException(nameof(meters));
        _secrets = secrets ?? new SecretValues([_options.ApiKey, .. _options.Fallbacks.Select(f => f.ApiKey), .. _options.Agents.Values.Select(a => a.ApiKey)]);
    }

    public bool IsConfigured => _options.Provider != LlmProvider.None;

    public IChatClient? GetChatClient(string agent)
    {
        var chain = ChainFor(agent);
        return chain.Count == 0 ? null : _clients.GetOrAdd(string.Join('|', chain.Select(Key)), _ => Create(chain));
    }

    public LanguageModelDescription? Describe(string agent) => ChainFor(agent) is [var first, .. var rest]
        ? new LanguageModelDescription(first.Provider.ToString(), first.Model ?? "", DisplayEndpoint(first), rest.Count == 0 ? null : [.. rest.Select(Name)])
        : null;

    public string SystemPrompt(string? guildId) =>
        guildId is not null && _options.Guilds.TryGetValue(guildId, out var guild) && !string.IsNullOrWhiteSpace(guild.SystemPrompt)
            ? guild.SystemPrompt
            : _options.SystemPrompt;

    public ChatOptions CreateOptions() => new() { MaxOutputTokens = _options.MaxOutputTokens, Temperature = _options.Temperature };

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _clients.Clear();
        _http.Dispose();
    }

    /// <summary>The agent's endpoint (if it has a provider), then the fallbacks that have one.</summary>
    internal List<LlmEndpointOptions> ChainFor(string agent)
    {
        var chain = new List<LlmEndpointOptions>();
        if (EndpointFor(agent) is { } first)
        {
            chain.Add(first);
            chain.AddRange(_options.Fallbacks.Where(f => f.Provider != LlmProvider.None));
        }

        return chain;
    }

    /// <summary>The default endpoint with the agent's overrides on top; null when the result has no provider.</summary>
    internal LlmEndpointOptions? EndpointFor(string agent)
    {
        var endpoint = new LlmEndpointOptions
        {
            Provider = _options.Provider,
            Endpoint = _options.Endpoint,
            Model = _options.Model,
            ApiKey = _options.ApiKey,
        };
        if (_options.Agents.TryGetValue(agent, out var custom))
        {
            endpoint.Provider = custom.Provider ?? endpoint.Provider;
            endpoint.Endpoint = custom.Endpoint ?? endpoint.Endpoint;
            endpoint.Model = custom.Model ?? endpoint.Model;
            endpoint.ApiKey = custom.ApiKey ?? endpoint.ApiKey;
        }

        return endpoint.Provider == LlmProvider.None ? null : endpoint;
    }

    private static string DisplayEndpoint(LlmEndpointOptions endpoint) =>
        string.IsNullOrWhiteSpace(endpoint.Endpoint) ? "https://api.openai.com/v1" : endpoint.Endpoint;

    private static string Key(LlmEndpointOptions e) => string.Join('\u001f', e.Provider, e.Endpoint, e.Model, e.ApiKey);

    private static string Name(LlmEndpointOptions e) => $"{e.Provider} {e.Model} at {DisplayEndpoint(e)}";

    private IChatClient Create(List<LlmEndpointOptions> chain)
    {
        // With fallbacks, a failing provider hands the request on at once; only the last one retries.
        var providers = chain
            .Select((endpoint, i) => new ChatProvider(Name(endpoint), CreateProvider(endpoint, i == chain.Count - 1 ? _options.MaxRetries : 0)))
            .ToArray();
        var failover = new CircuitBreakingFailoverChatClient(providers, _options.CircuitBreaker, _time, _meters, _loggers.CreateLogger<CircuitBreakingFailoverChatClient>());
        return new ChatClientBuilder(failover)
            .UseFunctionInvocation(_loggers, invoking =>
            {
                invoking.MaximumIterationsPerRequest = 5;
                invoking.MaximumConsecutiveErrorsPerRequest = 3;
                invoking.AllowConcurrentInvocation = true;
            })
            .Use(client => new SecretScrubbingChatClient(client, _secrets))
            .Build();
    }

    private IChatClient CreateProvider(LlmEndpointOptions endpoint, int retries)
    {
        var inner = endpoint.Provider switch
        {
            LlmProvider.OpenAI => CreateOpenAI(endpoint),
            LlmProvider.AzureOpenAI => CreateAzureOpenAI(endpoint),
            _ => throw new InvalidOperationException($"No chat client for provider {endpoint.Provider}."),
        };
        var provider = new ChatClientBuilder(inner)
            .Use(client => new ResilientChatClient(client, ChatResilience.From(_options) with { MaxRetries = retries }, _time, _loggers.CreateLogger<ResilientChatClient>()))
            .UseOpenTelemetry(_loggers, TelemetrySourceName)
            .UseLogging(_loggers)
            .Build();
        _owned.Add(provider);
        return provider;
    }

    private IChatClient CreateOpenAI(LlmEndpointOptions endpoint) =>
        OpenAIClients.OpenAI(endpoint.Endpoint, endpoint.ApiKey, _http).GetChatClient(endpoint.Model).AsIChatClient();

    private IChatClient CreateAzureOpenAI(LlmEndpointOptions endpoint) =>
        OpenAIClients.Azure(endpoint.Endpoint!, endpoint.ApiKey, _http).GetChatClient(endpoint.Model).AsIChatClient();
}
