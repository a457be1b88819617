using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;

namespace AudioOrchestrator.Speech;

/// <summary>What answers an agent's chat requests, as the API and the start-up log show it (never the key).</summary>
public sealed record LanguageModelDescription(string Provider, string Model, string Endpoint);

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
/// Builds one <see cref="IChatClient"/> per distinct model endpoint: OpenAI or any OpenAI-compatible server through
/// <see cref="OpenAIClient"/>, Azure OpenAI through <see cref="AzureOpenAIClient"/> (API key, or Entra ID with
/// <see cref="DefaultAzureCredential"/>), each wrapped in the library's middleware (OpenTelemetry: spans and time to
/// first chunk; logging) and <see cref="ResilientChatClient"/>. The SDKs' own retries are off: one retry policy.
/// </summary>
public sealed class LanguageModels : ILanguageModels, IDisposable
{
    /// <summary>The OpenTelemetry source and meter name of the chat clients' telemetry.</summary>
    public const string TelemetrySourceName = "AudioOrchestrator.LanguageModels";

    private readonly LlmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<LlmEndpointOptions, IChatClient> _clients = new(EndpointComparer.Instance);

    public LanguageModels(IOptions<LlmOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _loggers = loggers ?? throw new ArgumentNullException(nameof(loggers));
    }

    public bool IsConfigured => _options.Provider != LlmProvider.None;

    public IChatClient? GetChatClient(string agent)
    {
        var endpoint = EndpointFor(agent);
        return endpoint is null ? null : _clients.GetOrAdd(endpoint, Create);
    }

    public LanguageModelDescription? Describe(string agent) => EndpointFor(agent) is { } endpoint
        ? new LanguageModelDescription(endpoint.Provider.ToString(), endpoint.Model ?? "", DisplayEndpoint(endpoint))
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

        _clients.Clear();
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

    private IChatClient Create(LlmEndpointOptions endpoint)
    {
        var inner = endpoint.Provider switch
        {
            LlmProvider.OpenAI => CreateOpenAI(endpoint),
            LlmProvider.AzureOpenAI => CreateAzureOpenAI(endpoint),
            _ => throw new InvalidOperationException($"No chat client for provider {endpoint.Provider}."),
        };
        return new ChatClientBuilder(inner)
            .Use(client => new ResilientChatClient(client, ChatResilience.From(_options), _time, _loggers.CreateLogger<ResilientChatClient>()))
            .UseOpenTelemetry(_loggers, TelemetrySourceName)
            .UseLogging(_loggers)
            .Build();
    }

    private static IChatClient CreateOpenAI(LlmEndpointOptions endpoint)
    {
        var options = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
        if (!string.IsNullOrWhiteSpace(endpoint.Endpoint))
        {
            options.Endpoint = new Uri(endpoint.Endpoint);
        }

        // Self-hosted OpenAI-compatible servers usually take any key; the SDK needs one.
        var key = string.IsNullOrWhiteSpace(endpoint.ApiKey) ? "unused" : endpoint.ApiKey;
        return new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient(endpoint.Model).AsIChatClient();
    }

    private static IChatClient CreateAzureOpenAI(LlmEndpointOptions endpoint)
    {
        var options = new AzureOpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
        var uri = new Uri(endpoint.Endpoint!);
        var client = string.IsNullOrWhiteSpace(endpoint.ApiKey)
            ? new AzureOpenAIClient(uri, new DefaultAzureCredential(), options)
            : new AzureOpenAIClient(uri, new ApiKeyCredential(endpoint.ApiKey), options);
        return client.GetChatClient(endpoint.Model).AsIChatClient();
    }

    private sealed class EndpointComparer : IEqualityComparer<LlmEndpointOptions>
    {
        public static readonly EndpointComparer Instance = new();

        public bool Equals(LlmEndpointOptions? x, LlmEndpointOptions? y) =>
            x is not null && y is not null && x.Provider == y.Provider
            && string.Equals(x.Endpoint, y.Endpoint, StringComparison.Ordinal)
            && string.Equals(x.Model, y.Model, StringComparison.Ordinal)
            && string.Equals(x.ApiKey, y.ApiKey, StringComparison.Ordinal);

        public int GetHashCode(LlmEndpointOptions obj) => HashCode.Combine(obj.Provider, obj.Endpoint, obj.Model, obj.ApiKey);
    }
}
