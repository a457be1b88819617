using System.Text;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// What of a session's history agents get as chat messages: the turns not yet folded into the running summary, at
/// most <c>Conversation:MaxHistoryMessages</c> messages (two per turn), and the utterance being answered last. Turns
/// older than that window are due to be folded into the summary.
/// </summary>
public static class ConversationMemory
{
    /// <summary>The conversation for the agent: recent turns, then <paramref name="speakerId"/> saying <paramref name="text"/>.</summary>
    public static IReadOnlyList<ChatMessage> Messages(
        IReadOnlyList<ConversationTurn> history, string? summarizedThrough, int maxHistoryMessages, string speakerId, string text)
    {
        ArgumentNullException.ThrowIfNull(history);
        var unfolded = Unfolded(history, summarizedThrough);
        var keep = Math.Max(0, maxHistoryMessages / 2);
        var messages = new List<ChatMessage>((keep * 2) + 1);
        foreach (var turn in unfolded.Skip(Math.Max(0, unfolded.Count - keep)))
        {
            messages.Add(User(turn.SpeakerId, turn.Transcript));
            if (turn.ResponseText.Length > 0)
            {
                messages.Add(new ChatMessage(ChatRole.Assistant, turn.ResponseText) { AuthorName = AuthorName(turn.Agent) });
            }
        }

        messages.Add(User(speakerId, text));
        return messages;
    }

    /// <summary>The turns older than the window handed to agents and not yet in the running summary.</summary>
    public static IReadOnlyList<ConversationTurn> DueForSummary(IReadOnlyList<ConversationTurn> history, string? summarizedThrough, int maxHistoryMessages)
    {
        ArgumentNullException.ThrowIfNull(history);
        var unfolded = Unfolded(history, summarizedThrough);
        var keep = Math.Max(0, maxHistoryMessages / 2);
        return unfolded.Take(Math.Max(0, unfolded.Count - keep)).ToArray();
    }

    /// <summary>The turns after <paramref name="summarizedThrough"/> (all of them when it is unset or no longer kept).</summary>
    public static IReadOnlyList<ConversationTurn> Unfolded(IReadOnlyList<ConversationTurn> history, string? summarizedThrough)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (summarizedThrough is null)
        {
            return history;
        }

        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (string.Equals(history[i].TurnId, summarizedThrough, StringComparison.Ordinal))
            {
                return history.Skip(i + 1).ToArray();
            }
        }

        return history; // the folded turn has been dropped from the bounded history: everything kept is newer
    }

    /// <summary>Turns as the summarizers see them.</summary>
    public static IReadOnlyList<Exchange> Exchanges(IEnumerable<ConversationTurn> turns) =>
        turns.Where(t => t.Agent != SummarizationAgent.Name).Select(t => new Exchange(t.SpeakerId, t.Transcript, t.ResponseText)).ToArray();

    /// <summary>A user message with the speaker as author.</summary>
    public static ChatMessage User(string speakerId, string text) => new(ChatRole.User, text) { AuthorName = AuthorName(speakerId) };

    /// <summary>A name chat APIs accept (letters, digits, '_' and '-', at most 64).</summary>
    public static string AuthorName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(Math.Min(name.Length, 64));
        foreach (var c in name)
        {
            if (builder.Length == 64)
            {
                break;
            }

            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return builder.Length == 0 ? "user" : builder.ToString();
    }
}
