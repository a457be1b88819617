using System.ClientModel;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>
/// Free conversation with the language model: the guild's system prompt, the session's running summary and remembered
/// facts, the recent turns (speaker names on user messages; prefixed to the text when several people spoke) and the
/// utterance, streamed back as it is written. The model may call tools (<see cref="IAgentToolbox"/>: the time, the
/// summary, facts, the other agents, MCP servers); each call is reported as it starts and when it ends, and the actions
/// tools ask for are passed on for the turn's commit. When the server says the conversation no longer fits the
/// model's context, it asks once more with only the summary and the utterance. Without a model, or when every
/// provider is down, it says honestly what it can do instead.
/// </summary>
public sealed class ConversationAgent(ILanguageModels models, AgentCatalog catalog, IAgentToolbox toolbox, TimeProvider clock)
{
    public const string Name = "conversation";

    public async IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chat = models.GetChatClient(Name);
        if (chat is null)
        {
            yield return new AgentUpdate(WithoutModel());
            yield break;
        }

        var tools = toolbox.For(request);
        var options = models.CreateOptions();
        if (tools.Tools.Count > 0)
        {
            options.Tools = [.. tools.Tools];
        }

        var calls = new Dictionary<string, ToolCallRecord>(StringComparer.Ordinal);
        var attempts = new[] { Prompt(request, request.Messages, tools.Tools.Count > 0), Prompt(request, request.Messages.TakeLast(1).ToArray(), tools.Tools.Count > 0) };
        for (var attempt = 0; attempt < attempts.Length; attempt++)
        {
            var updates = chat.GetStreamingResponseAsync(attempts[attempt], options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var started = false;
            try
            {
                while (true)
                {
                    var (moved, error) = await TryMoveNextAsync(updates);
                    if (error is not null)
                    {
                        if (!started && attempt == 0 && IsContextTooLong(error))
                        {
                            break; // ask again with less history
                        }

                        if (!started && error is LanguageModelException { NoProviderAvailable: true })
                        {
                            yield return new AgentUpdate(WithoutModel(unreachable: true)); // every provider is down: the rule-based answer
                            yield break;
                        }

                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    }

                    if (!moved)
                    {
                        foreach (var action in tools.Context.TakeActions())
                        {
                            yield return new AgentUpdate(null, action);
                        }

                        yield break;
                    }

                    foreach (var call in ToolCalls(updates.Current, calls, tools))
                    {
                        started = true;
                        yield return new AgentUpdate(null, ToolCall: call);
                    }

                    if (updates.Current.Text is { Length: > 0 } text)
                    {
                        started = true;
                        yield return new AgentUpdate(text);
                    }
                }
            }
            finally
            {
                await updates.DisposeAsync();
            }
        }
    }

    /// <summary>Tool calls the update starts or ends, as the turn records them.</summary>
    private IEnumerable<ToolCallRecord> ToolCalls(ChatResponseUpdate update, Dictionary<string, ToolCallRecord> calls, ToolSet tools)
    {
        foreach (var content in update.Contents)
        {
            if (content is FunctionCallContent call)
            {
                var arguments = call.Arguments is null ? "{}" : System.Text.Json.JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions);
                var record = new ToolCallRecord(call.CallId, call.Name, arguments.Length > 1000 ? arguments[..1000] + "…" : arguments, clock.GetUtcNow(), Completed: false);
                calls[call.CallId] = record;
                yield return record;
            }
            else if (content is FunctionResultContent result && calls.Remove(result.CallId, out var startedCall))
            {
                var (text, _) = GuardedTool.ToText(result.Result);
                var known = tools.Tools.Any(t => t.Name == startedCall.Name);
                var error = !known
                    ? $"unknown tool '{startedCall.Name}'"
                    : tools.Context.ErrorOf(result.CallId) ?? (result.Exception is { } exception ? $"invalid call: {exception.Message}" : null);
                yield return startedCall with
                {
                    Completed = true,
                    DurationMs = (clock.GetUtcNow() - startedCall.StartedAt).TotalMilliseconds,
                    ResultCharacters = text.Length,
                    Error = error,
                };
            }
        }
    }

    /// <summary>The answer without a language model: what the assistant can do.</summary>
    public string WithoutModel(bool unreachable = false) =>
        (unreachable ? "I can't reach my language model right now." : "I can't hold a free conversation: no language model is configured.")
        + Capabilities.Offer(catalog);

    /// <summary>The messages sent to the model for <paramref name="request"/> with <paramref name="conversation"/>.</summary>
    public List<ChatMessage> Prompt(AgentRequest request, IReadOnlyList<ChatMessage> conversation, bool withTools = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(conversation);
        var system = models.SystemPrompt(request.GuildId);
        if (withTools)
        {
            system += "\n\n" + PromptInjectionGuard.DataRule;
        }

        if (request.Context.TryGetValue(SessionContextKeys.Summary, out var summary) && summary.Length > 0)
        {
            system += "\n\nWhat was said earlier in this conversation, summarised: " + summary;
        }

        var facts = request.Context.Where(c => c.Key.StartsWith(SessionContextKeys.FactPrefix, StringComparison.Ordinal)).ToArray();
        if (facts.Length > 0)
        {
            system += "\n\nFacts you were asked to remember: "
                + string.Join("; ", facts.Select(f => $"{f.Key[SessionContextKeys.FactPrefix.Length..]}: {PromptInjectionGuard.Neutralize(f.Value)}")) + ".";
        }

        var speakers = conversation.Where(m => m.Role == ChatRole.User).Select(m => m.AuthorName).Distinct(StringComparer.Ordinal).Count();
        var messages = new List<ChatMessage>(conversation.Count + 1) { new(ChatRole.System, system) };
        foreach (var message in conversation)
        {
            messages.Add(speakers > 1 && message.Role == ChatRole.User && message.AuthorName is { } author
                ? new ChatMessage(ChatRole.User, $"{author}: {PromptInjectionGuard.Neutralize(message.Text)}") { AuthorName = author }
                : message.Role == ChatRole.User ? new ChatMessage(ChatRole.User, PromptInjectionGuard.Neutralize(message.Text)) { AuthorName = message.AuthorName } : message);
        }

        return messages;
    }

    private static bool IsContextTooLong(Exception error) =>
        error is LanguageModelException { InnerException: ClientResultException { Status: 400 } rejected }
        && (rejected.Message.Contains("context", StringComparison.OrdinalIgnoreCase) || rejected.Message.Contains("too long", StringComparison.OrdinalIgnoreCase));

    private static async Task<(bool Moved, Exception? Error)> TryMoveNextAsync(IAsyncEnumerator<ChatResponseUpdate> updates)
    {
        try
        {
            return (await updates.MoveNextAsync(), null);
        }
#pragma warning disable CA1031 // The caller rethrows what it does not handle.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (false, ex);
        }
    }
}
