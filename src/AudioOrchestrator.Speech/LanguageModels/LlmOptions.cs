using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Speech;

/// <summary>Which kind of server answers chat requests.</summary>
public enum LlmProvider
{
    /// <summary>No language model: the agents answer with their rule-based behaviour.</summary>
    None,

    /// <summary>OpenAI, or any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, LM Studio) at <see cref="LlmEndpointOptions.Endpoint"/>.</summary>
    OpenAI,

    /// <summary>Azure OpenAI: <see cref="LlmEndpointOptions.Endpoint"/> is the resource, <see cref="LlmEndpointOptions.Model"/> the deployment.</summary>
    AzureOpenAI,
}

/// <summary>Where one language model is served.</summary>
public class LlmEndpointOptions
{
    public LlmProvider Provider { get; set; } = LlmProvider.None;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:11434/v1</c> for Ollama; empty = api.openai.com (OpenAI only).</summary>
    public string? Endpoint { get; set; }

    /// <summary>The model (the deployment name for Azure OpenAI).</summary>
    public string? Model { get; set; }

    /// <summary>The API key; for Azure OpenAI, empty = Entra ID (<c>DefaultAzureCredential</c>). Never logged.</summary>
    public string? ApiKey { get; set; }
}

/// <summary>
/// A provider that fails <see cref="FailureThreshold"/> requests in a row is skipped for <see cref="BreakDuration"/>; then
/// one request probes it: success closes the circuit, failure opens it again. Section <c>Llm:CircuitBreaker</c>.
/// </summary>
public sealed class CircuitBreakerOptions
{
    [Range(1, 100)]
    public int FailureThreshold { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A model for one agent, on top of the default (section <c>Llm:Agents:{agent}</c>); unset keys inherit.</summary>
public sealed class LlmAgentOptions
{
    public LlmProvider? Provider { get; set; }

    public string? Endpoint { get; set; }

    public string? Model { get; set; }

    public string? ApiKey { get; set; }
}

/// <summary>Per-guild prompt (section <c>Llm:Guilds:{guildId}</c>).</summary>
public sealed class LlmGuildOptions
{
    /// <summary>Replaces <see cref="LlmOptions.SystemPrompt"/> for the guild's sessions.</summary>
    public string? SystemPrompt { get; set; }
}

/// <summary>The language model behind the agents. Section <c>Llm</c> (environment: <c>Llm__Provider</c> etc.).</summary>
public sealed class LlmOptions : LlmEndpointOptions
{
    public const string SectionName = "Llm";

    /// <summary>The assistant's instructions (the conversation agent's system prompt).</summary>
    public string SystemPrompt { get; set; } =
        "You are a helpful voice assistant in a voice channel. Your answers are spoken aloud: answer in one to three short "
        + "sentences of plain text, without markdown, lists, code or emoji. Several people may speak; each user message "
        + "carries the speaker's name. If you do not know something, say so briefly.";

    /// <summary>Most tokens a model may write per answer.</summary>
    [Range(1, 100_000)]
    public int MaxOutputTokens { get; set; } = 400;

    /// <summary>Sampling temperature; unset = the server's default.</summary>
    [Range(0.0, 2.0)]
    public float? Temperature { get; set; }

    /// <summary>How long a request may take to its first token before the attempt is abandoned (and retried).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest silence between two chunks of a streamed answer before it counts as stalled.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ChunkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request answered in one piece (intent classification, summaries) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a request that failed before its first chunk (429, 5xx, timeouts, dropped connections).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>Longest wait before a retry; a longer <c>retry-after</c> fails the request at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Providers that take over, in order, when the ones before fail, time out or are rate limited before their first
    /// chunk (<c>Llm:Fallbacks:{n}:Provider</c>, <c>Endpoint</c>, <c>Model</c>, <c>ApiKey</c>). With fallbacks, a provider
    /// that fails hands the request on at once; only the last one retries (<see cref="MaxRetries"/>).
    /// </summary>
    public List<LlmEndpointOptions> Fallbacks { get; set; } = [];

    /// <summary>How long a failing provider is kept out of the chain (see <see cref="CircuitBreakerOptions"/>).</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>A model per agent (e.g. a small one for <c>intent</c>): <c>Llm:Agents:{agent}:Model</c>.</summary>
    public Dictionary<string, LlmAgentOptions> Agents { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A system prompt per Discord guild: <c>Llm:Guilds:{guildId}:SystemPrompt</c>.</summary>
    public Dictionary<string, LlmGuildOptions> Guilds { get; set; } = new(StringComparer.Ordinal);
}
