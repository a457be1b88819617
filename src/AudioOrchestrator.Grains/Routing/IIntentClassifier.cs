using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>What the classifier made of an utterance.</summary>
/// <param name="Class">The intent class; null when it recognised none (the fallback agent answers).</param>
/// <param name="Detail">How it decided, for the turn record (e.g. <c>model: summarize</c>, <c>keywords: time</c>).</param>
public sealed record IntentResult(IntentClass? Class, string Detail);

/// <summary>Sorts free speech that no phrase matched into an intent class.</summary>
public interface IIntentClassifier
{
    /// <summary>True when classifying asks a language model (so it takes time worth overlapping with the answer).</summary>
    bool UsesModel { get; }

    Task<IntentResult> ClassifyAsync(string text, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken);
}
