namespace AudioOrchestrator.Contracts;

/// <summary>
/// An agent answers a routed utterance. Implement it on a <c>[StatelessWorker]</c> grain class and mark the
/// class with <see cref="AgentAttribute"/>; the router finds it without registration.
/// </summary>
public interface IAgentGrain : IGrainWithStringKey
{
    Task<AgentReply> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What an agent is asked.</summary>
/// <param name="Speaker">Who spoke, in which session.</param>
/// <param name="Text">The utterance without the wake phrase.</param>
/// <param name="Slots">Values captured by the matched phrase, e.g. <c>text</c> for "echo {text}".</param>
/// <param name="RecentTurns">The latest turns of the session, oldest first.</param>
/// <param name="TurnId">The id the turn is recorded under.</param>
[GenerateSerializer, Immutable]
public sealed record AgentRequest(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] string Text,
    [property: Id(2)] IReadOnlyDictionary<string, string> Slots,
    [property: Id(3)] IReadOnlyList<ConversationTurn> RecentTurns,
    [property: Id(4)] string TurnId);

/// <summary>An agent's answer.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentReply([property: Id(0)] string Text);

/// <summary>Declares an agent grain: its name and the phrases that route to it.</summary>
/// <remarks>
/// Phrases are lowercase words; <c>{name}</c> captures one or more words into the slot <c>name</c>
/// (only at the end of a phrase). The phrases also feed the embedded speech-to-text grammar.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AgentAttribute(string name, params string[] phrases) : Attribute
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Phrases { get; } = phrases;

    /// <summary>One sentence shown by the help agent and the API.</summary>
    public string Description { get; init; } = "";

    /// <summary>The agent that answers when no phrase matches. At most one.</summary>
    public bool IsFallback { get; init; }
}
