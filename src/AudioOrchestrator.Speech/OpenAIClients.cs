using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Identity;
using OpenAI;

namespace AudioOrchestrator.Speech;

/// <summary>
/// The OpenAI and Azure OpenAI clients of the language models and the speech engines, built one way: no SDK retries
/// (the callers decide, before any output), one shared HTTP client, a key or (Azure) Entra ID.
/// </summary>
internal static class OpenAIClients
{
    /// <summary>
    /// An HTTP client whose cancelled requests close their connection at once: by default SocketsHttpHandler first drains
    /// up to 1 MB of the rest for up to 2 s to reuse the connection, so a cancelled answer would go on being generated.
    /// </summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        MaxResponseDrainSize = 0,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    /// <summary>OpenAI, or any OpenAI-compatible server at <paramref name="endpoint"/>.</summary>
    public static OpenAIClient OpenAI(string? endpoint, string? apiKey, HttpClient http, PipelinePolicy? policy = null)
    {
        var options = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), Transport = new HttpClientPipelineTransport(http) };
        if (policy is not null)
        {
            options.AddPolicy(policy, PipelinePosition.PerTry);
        }

        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            options.Endpoint = new Uri(endpoint);
        }

        // Self-hosted OpenAI-compatible servers usually take any key; the SDK needs one.
        return new OpenAIClient(new ApiKeyCredential(string.IsNullOrWhiteSpace(apiKey) ? "unused" : apiKey), options);
    }

    /// <summary>Azure OpenAI at <paramref name="endpoint"/>, with the key or, without one, Entra ID.</summary>
    public static AzureOpenAIClient Azure(string endpoint, string? apiKey, HttpClient http, PipelinePolicy? policy = null)
    {
        var options = new AzureOpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), Transport = new HttpClientPipelineTransport(http) };
        if (policy is not null)
        {
            options.AddPolicy(policy, PipelinePosition.PerTry);
        }

        var uri = new Uri(endpoint);
        return string.IsNullOrWhiteSpace(apiKey)
            ? new AzureOpenAIClient(uri, new DefaultAzureCredential(), options)
            : new AzureOpenAIClient(uri, new ApiKeyCredential(apiKey), options);
    }
}
