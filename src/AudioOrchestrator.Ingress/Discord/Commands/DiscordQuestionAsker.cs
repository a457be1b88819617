using System.Globalization;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Text;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>The agent's answer to a typed question.</summary>
public sealed record DiscordAnswer(string Text, string Agent, string TurnId);

/// <summary>The session could not answer a typed question (agent failure or timeout).</summary>
public sealed class DiscordQuestionException : Exception
{
    public DiscordQuestionException()
    {
    }

    public DiscordQuestionException(string message)
        : base(message)
    {
    }

    public DiscordQuestionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Puts a typed question to the guild's session (<c>discord-{guildId}</c>) as a text turn of the asking user, through
/// the same <see cref="TextTurnSender"/> as the REST messages endpoint, and waits for its <see cref="AnswerCompleted"/>
/// (or <see cref="TurnFailed"/>). The answer is spoken on audio-out: when the bot is in a voice channel of the guild,
/// the voice transport plays it.
/// </summary>
public sealed class DiscordQuestionAsker(TextTurnSender sender, IClusterClient cluster, IOptions<DiscordCommandOptions> options)
{
    /// <summary>Asks and returns the answer; throws <see cref="DiscordQuestionException"/> when the session fails or is too slow.</summary>
    public async Task<DiscordAnswer> AskAsync(ulong guildId, ulong userId, ulong interactionId, string question, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        await DiscordSessions.OpenAsync(cluster, guildId, cancellationToken).ConfigureAwait(false);
        var text = new TextQuestion(
            DiscordSessions.SessionId(guildId),
            DiscordSessions.SpeakerId(userId),
            question,
            Speak: true,
            "discord-ask-" + interactionId.ToString(CultureInfo.InvariantCulture));
        string? agent = null;
        try
        {
            await foreach (var item in sender.AskAsync(text, options.Value.AskTimeout, cancellationToken).ConfigureAwait(false))
            {
                switch (item)
                {
                    case AnswerStarted started:
                        agent = started.Agent;
                        break;
                    case AnswerCompleted completed:
                        return new DiscordAnswer(completed.ResponseText, agent ?? "", completed.TurnId);
                    case TurnFailed failed:
                        throw new DiscordQuestionException("The assistant could not answer: " + failed.Reason);
                    default:
                        break;
                }
            }
        }
        catch (TimeoutException ex)
        {
            throw new DiscordQuestionException($"No answer within {options.Value.AskTimeout.TotalSeconds:0} s.", ex);
        }

        throw new DiscordQuestionException("The answer ended without completing.");
    }
}
