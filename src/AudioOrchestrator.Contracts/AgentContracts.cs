using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Contracts;

/// <summary>
/// An agent answers a routed utterance as a stream of <see cref="AgentUpdate"/>s (text as it is produced, and actions).
/// Implement it on a grain class marked <c>[StatelessWorker(1, removeIdleWorkers: false)]</c> and
/// <see cref="AgentAttribute"/>; the router finds it without registration.
/// </summary>
/// <remarks>
/// The answer is streamed with Orleans' <see cref="IAsyncEnumerable{T}"/> grain methods: the enumerator lives in the
/// activation that started it, so every later call of the enumeration must reach that activation. With more than one
/// stateless-worker activation per silo a later call can be dispatched to another one, which has no record of the
/// enumerator (measured: <c>EnumerationAbortedException</c>); one activation per silo works, because every call of an
/// enumeration interleaves (<c>AlwaysInterleave</c>), so one activation serves any number of concurrent answers.
/// Disposing the enumeration (barge-in, a deadline) cancels the agent's cancellation token.
/// </remarks>
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Streams the answer to <paramref name="request"/>; honour <paramref name="cancellationToken"/>.</summary>
    IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What an agent is asked.</summary>
/// <param name="Speaker">Who spoke, in which session.</param>
/// <param name="Text">The utterance without the wake phrase (capped at <c>Conversation:MaxInputCharacters</c>).</param>
/// <param name="Slots">Values captured by the matched phrase, e.g. <c>text</c> for "echo {text}".</param>
/// <param name="Messages">
/// The conversation as chat messages, oldest first: earlier turns (user messages carry the speaker as
/// <see cref="ChatMessage.AuthorName"/>) and, last, this utterance. Bounded by <c>Conversation:MaxHistoryMessages</c>;
/// what is older is summarised in <see cref="Context"/> under <see cref="SessionContextKeys.Summary"/>.
/// </param>
/// <param name="Context">The session's context (e.g. its running summary, the last agent, the turn count).</param>
/// <param name="TurnId">The id the turn is recorded under.</param>
/// <param name="Deadline">When the answer must be complete; the invoker cancels the agent then.</param>
/// <param name="GuildId">The Discord guild of the session, when it has one (per-guild prompts and settings).</param>
/// <param name="Depth">0 for the agent the session asked; one more for every agent an agent calls.</param>
/// <param name="Preemptive">
/// The answer is being prepared before the speaker has surely finished: nothing of it is spoken until the turn is
/// committed, and a tool with side effects must wait for <see cref="ITurnCommitGrain"/> (it may be discarded).
/// </param>
[GenerateSerializer, Immutable]
public sealed record AgentRequest(
    [property: Id(0)] SpeakerRef Speaker,
    [property: Id(1)] string Text,
    [property: Id(2)] IReadOnlyDictionary<string, string> Slots,
    [property: Id(3)] IReadOnlyList<ChatMessage> Messages,
    [property: Id(4)] IReadOnlyDictionary<string, string> Context,
    [property: Id(5)] string TurnId,
    [property: Id(6)] DateTimeOffset Deadline,
    [property: Id(7)] string? GuildId = null,
    [property: Id(8)] int Depth = 0,
    [property: Id(9)] bool Preemptive = false);

/// <summary>One piece of an agent's answer: text to append, an action to take, a tool call, or several of these.</summary>
/// <param name="Text">Text to append to the answer (a delta); null when the update carries none.</param>
/// <param name="Action">Something the assistant should do besides speaking, e.g. leave the voice channel (taken when the turn is committed).</param>
/// <param name="ToolCall">A tool call the agent started (not yet <see cref="ToolCallRecord.Completed"/>) or finished.</param>
[GenerateSerializer, Immutable]
public sealed record AgentUpdate(
    [property: Id(0)] string? Text,
    [property: Id(1)] AgentAction? Action = null,
    [property: Id(2)] ToolCallRecord? ToolCall = null);

/// <summary>A tool call made while answering, as the turn records it.</summary>
/// <param name="CallId">The model's id of the call.</param>
/// <param name="Name">The tool.</param>
/// <param name="Arguments">Its arguments as the model wrote them (JSON, cut at 1,000 characters).</param>
/// <param name="StartedAt">When it was called.</param>
/// <param name="Completed">False in the update sent when the call starts, true once it has a result.</param>
/// <param name="DurationMs">How long it took (0 until completed).</param>
/// <param name="ResultCharacters">Size of the result handed to the model.</param>
/// <param name="Error">Why it failed (unknown tool, invalid arguments, timeout, the tool's error); null when it succeeded.</param>
[GenerateSerializer, Immutable]
public sealed record ToolCallRecord(
    [property: Id(0)] string CallId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Arguments,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] bool Completed,
    [property: Id(5)] double DurationMs = 0,
    [property: Id(6)] int ResultCharacters = 0,
    [property: Id(7)] string? Error = null);

/// <summary>An action an agent asks the transport to take once the answer has been spoken.</summary>
/// <param name="Kind">What to do, e.g. <see cref="LeaveVoiceChannel"/>.</param>
/// <param name="Arguments">Optional arguments of the action.</param>
[GenerateSerializer, Immutable]
public sealed record AgentAction(
    [property: Id(0)] string Kind,
    [property: Id(1)] IReadOnlyDictionary<string, string>? Arguments = null)
{
    /// <summary>Leave the voice channel of the session's guild (Discord), after the answer has been played.</summary>
    public const string LeaveVoiceChannel = "voice.leave";

    /// <summary>Remember a fact in the session's context (arguments <c>name</c>, <c>value</c>); the session applies it when the turn is committed.</summary>
    public const string RememberFact = "context.remember";

    /// <summary>Forget a fact of the session's context (argument <c>name</c>); applied when the turn is committed.</summary>
    public const string ForgetFact = "context.forget";
}

/// <summary>Helpers that keep rule-based agents one-liners.</summary>
public static class AgentAnswers
{
    /// <summary>An answer of one piece of text: <c>=&gt; AgentAnswers.Say("It is noon.");</c></summary>
    public static IAsyncEnumerable<AgentUpdate> Say(string text) => One(new AgentUpdate(text));

    /// <summary>Text followed by an action the transport takes once the text has been spoken.</summary>
    public static IAsyncEnumerable<AgentUpdate> SayAndDo(string text, AgentAction action) => One(new AgentUpdate(text, action));

    /// <summary>Streams chat response updates (e.g. from <c>IChatClient.GetStreamingResponseAsync</c>) as text deltas.</summary>
    public static async IAsyncEnumerable<AgentUpdate> FromChat(
        IAsyncEnumerable<ChatResponseUpdate> updates,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (update.Text is { Length: > 0 } text)
            {
                yield return new AgentUpdate(text);
            }
        }
    }

#pragma warning disable CS1998 // An iterator without awaits is the simplest one-item stream.
    private static async IAsyncEnumerable<AgentUpdate> One(AgentUpdate update)
#pragma warning restore CS1998
    {
        yield return update;
    }
}

/// <summary>Keys of the session context that the service itself maintains.</summary>
public static class SessionContextKeys
{
    /// <summary>The running summary of the turns older than the history handed to agents.</summary>
    public const string Summary = "summary";

    /// <summary>The id of the last turn folded into <see cref="Summary"/>.</summary>
    public const string SummarizedThrough = "summarizedThrough";

    /// <summary>The agent that answered the last turn.</summary>
    public const string LastAgent = "lastAgent";

    /// <summary>The speaker of the last turn.</summary>
    public const string LastSpeaker = "lastSpeaker";

    /// <summary>How many turns the session has answered (a decimal number).</summary>
    public const string TurnCount = "turnCount";

    /// <summary>Prefix of the facts the session was asked to remember: <c>fact:{name}</c>.</summary>
    public const string FactPrefix = "fact:";
}

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

    /// <summary>One sentence shown by the help agent, the intent classifier and the API.</summary>
    public string Description { get; init; } = "";

    /// <summary>The agent that answers when no phrase matches and no intent is recognised. At most one.</summary>
    public bool IsFallback { get; init; }

    /// <summary>The agent answers with a language model when one is configured (shown by <c>GET /api/v1/agents</c>).</summary>
    public bool UsesLanguageModel { get; init; }

    /// <summary>Words (besides those of its phrases) that the keyword intent classifier counts for this agent.</summary>
    public string[] Keywords { get; init; } = [];
}
