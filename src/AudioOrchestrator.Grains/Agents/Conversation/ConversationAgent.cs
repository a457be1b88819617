using System.ClientModel;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>
/// Free conversation with the language model: the guild's system prompt, the session's running summary, the recent
/// turns (speaker names on user messages; prefixed to the text when several people spoke) and the utterance, streamed
/// back as it is written. When the server says the conversation no longer fits the model's context, it asks once more
/// with only the summary and the utterance. Without a model it says honestly what it can do instead.
/// </summary>
public sealed class ConversationAgent(ILanguageModels models, AgentCatalog catalog)
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

        var options = models.CreateOptions();
        var attempts = new[] { Prompt(request, request.Messages), Prompt(request, request.Messages.TakeLast(1).ToArray()) };
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

                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    }

                    if (!moved)
                    {
                        yield break;
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

    /// <summary>The answer without a language model: what the assistant can do.</summary>
    public string WithoutModel() =>
        "I can't hold a free conversation: no language model is configured." + Capabilities.Offer(catalog);

    /// <summary>The messages sent to the model for <paramref name="request"/> with <paramref name="conversation"/>.</summary>
    public List<ChatMessage> Prompt(AgentRequest request, IReadOnlyList<ChatMessage> conversation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(conversation);
        var system = models.SystemPrompt(request.GuildId);
        if (request.Context.TryGetValue(SessionContextKeys.Summary, out var summary) && summary.Length > 0)
        {
            system += "\n\nWhat was said earlier in this conversation, summarised: " + summary;
        }

        var speakers = conversation.Where(m => m.Role == ChatRole.User).Select(m => m.AuthorName).Distinct(StringComparer.Ordinal).Count();
        var messages = new List<ChatMessage>(conversation.Count + 1) { new(ChatRole.System, system) };
        foreach (var message in conversation)
        {
            messages.Add(speakers > 1 && message.Role == ChatRole.User && message.AuthorName is { } author
                ? new ChatMessage(ChatRole.User, $"{author}: {message.Text}") { AuthorName = author }
                : message);
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
