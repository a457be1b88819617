namespace AudioOrchestrator.Grains.Routing;

/// <summary>An agent grain class found in the silo, with its compiled phrases.</summary>
public sealed record AgentDescriptor(
    string Name,
    string Description,
    Type GrainClass,
    IReadOnlyList<PhrasePattern> Phrases,
    bool IsFallback);
