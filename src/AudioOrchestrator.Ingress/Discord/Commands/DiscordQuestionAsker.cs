using System.Globalization;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
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
/// Puts a typed question to the guild's session (<c>discord-{guildId}</c>) as a text turn of the asking user and
/// waits for its <see cref="AnswerCompleted"/> (or <see cref="TurnFailed"/>) on the session's audio-out stream, matched
/// by correlation id. The session speaks the answer on audio-out as for any turn: when the bot is in a voice channel
/// of the guild, the voice transport plays it.
/// </summary>
public sealed class DiscordQuestionAsker(IClusterClient client, SessionOutputHub output, IOptions<DiscordCommandOptions> options, TimeProvider clock)
{
    /// <summary>Asks and returns the answer; throws <see cref="DiscordQuestionException"/> when the session fails or is too slow.</summary>
    public async Task<DiscordAnswer> AskAsync(ulong guildId, ulong userId, ulong interactionId, string question, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        var sessionId = DiscordSessions.SessionId(guildId);
        var correlationId = "discord-ask-" + interactionId.ToString(CultureInfo.InvariantCulture);
        var outcome = new TaskCompletionSource<SessionOutputEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        string? agent = null;
        await using var listening = await output.ListenAsync(
            sessionId,
            item =>
            {
                if (string.Equals(item.CorrelationId, correlationId, StringComparison.Ordinal))
                {
                    if (item is AnswerStarted started)
                    {
                        Volatile.Write(ref agent, started.Agent);
                    }
                    else if (item is AnswerCompleted or TurnFailed)
                    {
                        outcome.TrySetResult(item);
                    }
                }

                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);

        var now = clock.GetUtcNow();
        var utterance = new Utterance(
            Guid.NewGuid().ToString("N"),
            new SpeakerRef(sessionId, DiscordSessions.SpeakerId(userId)),
            question.Trim(),
            Confidence: null,
            new UtteranceTimings(now, now, now, AudioMs: 0, SttMs: 0),
            correlationId);
        await client.GetGrain<IConversationGrain>(sessionId).SubmitUtteranceAsync(utterance).WaitAsync(cancellationToken).ConfigureAwait(false);

        SessionOutputEvent result;
        try
        {
            result = await outcome.Task.WaitAsync(options.Value.AskTimeout, clock, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new DiscordQuestionException($"No answer within {options.Value.AskTimeout.TotalSeconds:0} s.", ex);
        }

        return result switch
        {
            AnswerCompleted completed => new DiscordAnswer(completed.ResponseText, Volatile.Read(ref agent) ?? "", completed.TurnId),
            TurnFailed failed => throw new DiscordQuestionException("The assistant could not answer: " + failed.Reason),
            _ => throw new DiscordQuestionException("Unexpected answer event."),
        };
    }
}
