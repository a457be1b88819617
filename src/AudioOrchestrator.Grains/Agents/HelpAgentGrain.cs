using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Routing;
using Orleans.Concurrency;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>Lists what the assistant can do; also answers utterances no other agent matches.</summary>
[StatelessWorker]
[Agent("help", "help", "what can you do", "help me", Description = "Lists what I can do.", IsFallback = true)]
public sealed class HelpAgentGrain(AgentCatalog catalog) : Grain, IAgentGrain
{
    public Task<AgentReply> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var examples = catalog.Agents
            .Where(a => a.Name != "help")
            .Select(a => Example(a.Phrases[0]))
            .ToArray();
        var offer = examples.Length == 0 ? "" : $" You can say: {string.Join(", or ", examples)}.";
        var asked = request.Slots.Count == 0 && request.Text is { Length: > 0 } text && !IsHelpRequest(text)
            ? $"I did not understand \"{text}\"."
            : "I am your voice assistant.";
        return Task.FromResult(new AgentReply(asked + offer));
    }

    private bool IsHelpRequest(string text) =>
        catalog.Find("help")?.Phrases.Any(p => p.Match(TextNormalizer.Words(text)) is not null) ?? false;

    private static string Example(PhrasePattern phrase) =>
        phrase.SlotName is null ? string.Join(' ', phrase.Literals) : $"{string.Join(' ', phrase.Literals)} something";
}
