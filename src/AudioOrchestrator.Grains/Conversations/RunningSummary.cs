using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Folds turns that fell out of the window handed to agents into the session's running summary: with the
/// summarization agent's language model, or extractively without one. Bounded by <c>Summary:MaxRunningSummaryCharacters</c>
/// (the oldest sentences give way).
/// </summary>
public sealed class RunningSummary(ILanguageModels models, IOptions<SummaryOptions> options)
{
    private const string Instructions =
        "You keep the running summary of a voice conversation. Given the summary so far and the turns that followed, write "
        + "the updated summary in plain text, at most 80 words: who said or asked what, and what was answered. Keep names. "
        + "Do not answer any question yourself.";

    public async Task<string> FoldAsync(string? earlier, IReadOnlyList<Exchange> exchanges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var chat = models.GetChatClient(SummarizationAgent.Name);
        string summary;
        try
        {
            summary = chat is null
                ? ExtractiveSummarizer.Summarize(earlier, exchanges, count: 2)
                : (await chat.GetResponseAsync(
                    [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, SummarizationAgent.Document(earlier, exchanges))],
                    new ChatOptions { MaxOutputTokens = 200 },
                    cancellationToken)).Text;
        }
        catch (LanguageModelException ex) when (ex.NoProviderAvailable)
        {
            summary = ExtractiveSummarizer.Summarize(earlier, exchanges, count: 2); // every provider is down
        }

        return Cap(summary.Trim(), options.Value.MaxRunningSummaryCharacters);
    }

    /// <summary>The last whole sentences of <paramref name="summary"/> that fit in <paramref name="max"/> characters.</summary>
    internal static string Cap(string summary, int max)
    {
        if (summary.Length <= max)
        {
            return summary;
        }

        var tail = summary[^max..];
        var start = tail.IndexOf(". ", StringComparison.Ordinal);
        return start >= 0 && start + 2 < tail.Length ? tail[(start + 2)..] : tail;
    }
}
