namespace AudioOrchestrator.Grains.Routing;

/// <summary>An agent grain class found in the silo, with its compiled phrases.</summary>
/// <param name="Name">Its unique name.</param>
/// <param name="Description">One sentence: what it does (shown to users and to the intent classifier).</param>
/// <param name="GrainClass">The grain class.</param>
/// <param name="Phrases">Phrases that route to it.</param>
/// <param name="IsFallback">It answers what nothing else takes.</param>
/// <param name="UsesLanguageModel">It answers with a language model when one is configured.</param>
/// <param name="Keywords">Extra words for the keyword intent classifier.</param>
public sealed record AgentDescriptor(
    string Name,
    string Description,
    Type GrainClass,
    IReadOnlyList<PhrasePattern> Phrases,
    bool IsFallback,
    bool UsesLanguageModel = false,
    IReadOnlyList<string>? Keywords = null);
