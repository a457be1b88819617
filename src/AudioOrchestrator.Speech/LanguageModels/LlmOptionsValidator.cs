using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>Checks at start-up that every configured model can be reached as configured.</summary>
internal sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Check("Llm", options, problems);
        foreach (var (agent, custom) in options.Agents)
        {
            var merged = new LlmEndpointOptions
            {
                Provider = custom.Provider ?? options.Provider,
                Endpoint = custom.Endpoint ?? options.Endpoint,
                Model = custom.Model ?? options.Model,
                ApiKey = custom.ApiKey ?? options.ApiKey,
            };
            Check($"Llm:Agents:{agent}", merged, problems);
        }

        for (var i = 0; i < options.Fallbacks.Count; i++)
        {
            if (options.Fallbacks[i].Provider == LlmProvider.None)
            {
                problems.Add($"Llm:Fallbacks:{i}:Provider must be OpenAI or AzureOpenAI.");
            }

            Check($"Llm:Fallbacks:{i}", options.Fallbacks[i], problems);
        }

        if (options.Fallbacks.Count > 0 && options.Provider == LlmProvider.None)
        {
            problems.Add("Llm:Fallbacks need Llm:Provider: the fallbacks take over from it.");
        }

        if (string.IsNullOrWhiteSpace(options.SystemPrompt))
        {
            problems.Add("Llm:SystemPrompt must not be empty.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Check(string section, LlmEndpointOptions endpoint, List<string> problems)
    {
        if (!Enum.IsDefined(endpoint.Provider))
        {
            problems.Add($"{section}:Provider must be None, OpenAI or AzureOpenAI.");
            return;
        }

        if (endpoint.Provider == LlmProvider.None)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(endpoint.Model))
        {
            problems.Add($"{section}:Model is required with Provider {endpoint.Provider} (the deployment name for Azure OpenAI).");
        }

        var hasEndpoint = !string.IsNullOrWhiteSpace(endpoint.Endpoint);
        if (hasEndpoint && (!Uri.TryCreate(endpoint.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            problems.Add($"{section}:Endpoint '{endpoint.Endpoint}' is not an http(s) URL.");
        }

        if (endpoint.Provider == LlmProvider.AzureOpenAI && !hasEndpoint)
        {
            problems.Add($"{section}:Endpoint (https://<resource>.openai.azure.com/) is required with Provider AzureOpenAI.");
        }

        if (endpoint.Provider == LlmProvider.OpenAI && !hasEndpoint && string.IsNullOrWhiteSpace(endpoint.ApiKey))
        {
            problems.Add($"{section}:ApiKey is required for api.openai.com (set Llm:Endpoint for a self-hosted server).");
        }
    }
}
