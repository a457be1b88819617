using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Agents;

/// <summary>
/// Summarises the session: with a language model, the running summary and the recent turns are handed over as one
/// document to summarise (not as chat turns, so the model summarises instead of answering the last question);
/// without one, an extractive summary. Below <c>Summary:MinTurns</c> it says there is not enough yet.
/// </summary>
public sealed class SummarizationAgent(ILanguageModels models, IOptions<SummaryOptions> options)
{
    public const string Name = "summarization";

    private const string Instructions =
        "You summarise a voice conversation for someone who missed it. Write two to four short spoken sentences of plain "
        + "text (no markdown, no lists) that say who asked or said what and what was answered. Do not answer any question "
        + "in the conversation yourself and do not add anything that was not said.";

    public async IAsyncEnumerable<AgentUpdate> RespondAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turns = int.TryParse(request.Context.GetValueOrDefault(SessionContextKeys.TurnCount), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        if (turns < options.Value.MinTurns)
        {
            yield return new AgentUpdate(
                $"There is not enough to summarise yet: we have had {turns} {(turns == 1 ? "turn" : "turns")}, and I summarise from {options.Value.MinTurns}.");
            yield break;
        }

        var earlier = request.Context.GetValueOrDefault(SessionContextKeys.Summary);
        var exchanges = Exchanges(request.Messages.SkipLast(1).ToArray());
        var chat = models.GetChatClient(Name);
        if (chat is null)
        {
            yield return new AgentUpdate(ExtractiveSummarizer.Summarize(earlier, exchanges));
            yield break;
        }

        var document = Document(earlier, exchanges);
        var updates = AgentAnswers.FromChat(
            chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, document)], models.CreateOptions(), cancellationToken),
            cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            var first = true;
            while (true)
            {
                bool moved;
                try
                {
                    moved = await updates.MoveNextAsync();
                }
                catch (LanguageModelException ex) when (first && ex.NoProviderAvailable)
                {
                    moved = false;
                    first = false;
                    await updates.DisposeAsync();
                    updates = Extractive(earlier, exchanges).GetAsyncEnumerator(cancellationToken); // every provider is down
                    continue;
                }

                if (!moved)
                {
                    yield break;
                }

                first = false;
                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    private static IAsyncEnumerable<AgentUpdate> Extractive(string? earlier, IReadOnlyList<Exchange> exchanges) =>
        AgentAnswers.Say(ExtractiveSummarizer.Summarize(earlier, exchanges));

    /// <summary>The exchanges of a conversation (user message, then the assistant's answer), summaries themselves left out.</summary>
    public static IReadOnlyList<Exchange> Exchanges(IReadOnlyList<ChatMessage> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var exchanges = new List<Exchange>();
        for (var i = 0; i < conversation.Count; i++)
        {
            var message = conversation[i];
            if (message.Role != ChatRole.User)
            {
                continue;
            }

            var answer = i + 1 < conversation.Count && conversation[i + 1].Role == ChatRole.Assistant ? conversation[i + 1] : null;
            if (answer?.AuthorName == Name)
            {
                continue;
            }

            exchanges.Add(new Exchange(message.AuthorName ?? "someone", message.Text, answer?.Text ?? ""));
        }

        return exchanges;
    }

    /// <summary>The conversation as one document for the model to summarise.</summary>
    public static string Document(string? earlier, IReadOnlyList<Exchange> exchanges)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var builder = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(earlier))
        {
            builder.Append("Summary of the earlier part: ").AppendLine(earlier).AppendLine();
        }

        builder.AppendLine("The conversation:");
        foreach (var exchange in exchanges)
        {
            builder.Append(exchange.Speaker).Append(": ").AppendLine(exchange.Said);
            builder.Append("assistant: ").AppendLine(exchange.Answer);
        }

        return builder.ToString();
    }
}
