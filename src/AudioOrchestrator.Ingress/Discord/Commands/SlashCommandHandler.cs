using System.Globalization;
using System.Text;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Rest;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>What became of one interaction.</summary>
public enum SlashCommandOutcome
{
    /// <summary>Carried out and answered.</summary>
    Answered,

    /// <summary>Bad input: answered with an ephemeral error.</summary>
    Rejected,

    /// <summary>Failed while being carried out: answered with an ephemeral error.</summary>
    Failed,

    /// <summary>No answer could be delivered to Discord.</summary>
    Unanswerable,
}

/// <summary>
/// Carries out <c>/join [channel]</c>, <c>/leave</c>, <c>/ask &lt;question&gt;</c> and <c>/status</c>. Bad input is
/// answered at once with an ephemeral error (type 4, flags 64); valid commands are deferred (type 5) and their result
/// replaces the original response; failures after the deferral become an ephemeral followup. Never throws for a
/// command's failure.
/// </summary>
public sealed partial class SlashCommandHandler(
    DiscordInteractionRestClient rest,
    IGuildVoiceControl voice,
    IDiscordVoiceStates voiceStates,
    DiscordQuestionAsker asker,
    IClusterClient cluster,
    DiscordTextChannels textChannels,
    TextAnswerLedger answers,
    SlashCommandStatistics statistics,
    ILogger<SlashCommandHandler> logger)
{
    /// <summary>Answers one INTERACTION_CREATE.</summary>
    public async Task<SlashCommandOutcome> HandleAsync(InteractionCreate interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        statistics.OnReceived();
        var responder = new InteractionResponder(rest, interaction.Id, interaction.ApplicationId, interaction.Token);
        if (interaction.Type == InteractionType.ApplicationCommandAutocomplete)
        {
            return Count(SlashCommandOutcome.Rejected); // no option autocompletes; Discord shows no suggestions
        }

        if (!SlashCommandRequest.TryParse(interaction, out var request, out var problem))
        {
            LogRejected(logger, interaction.Id, interaction.CommandName, problem!);
            return await AnswerAsync(responder, interaction, SlashCommandOutcome.Rejected, problem!, cancellationToken).ConfigureAwait(false);
        }

        if (request!.ChannelId is { } channelId)
        {
            textChannels.RememberCommandChannel(request.GuildId, channelId);
        }

        try
        {
            var result = request.Name switch
            {
                SlashCommandCatalog.Join => await JoinAsync(request, responder, cancellationToken).ConfigureAwait(false),
                SlashCommandCatalog.Leave => await LeaveAsync(request, responder, cancellationToken).ConfigureAwait(false),
                SlashCommandCatalog.Ask => await AskAsync(request, responder, cancellationToken).ConfigureAwait(false),
                SlashCommandCatalog.Status => await StatusAsync(request, responder, cancellationToken).ConfigureAwait(false),
                _ => CommandResult.Reject($"Unknown command /{request.Name}. Try /join, /leave, /ask or /status."),
            };
            if (result.Outcome != SlashCommandOutcome.Answered)
            {
                LogRejected(logger, request.InteractionId, request.Name, result.Text);
                return await AnswerAsync(responder, interaction, result.Outcome, result.Text, cancellationToken).ConfigureAwait(false);
            }

            await responder.CompleteAsync(result.Text, cancellationToken).ConfigureAwait(false);
            LogAnswered(logger, request.InteractionId, request.Name, request.GuildId);
            return Count(SlashCommandOutcome.Answered);
        }
        catch (DiscordRestException ex)
        {
            LogUnanswerable(logger, ex, request.InteractionId, request.Name);
            return Count(SlashCommandOutcome.Unanswerable);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever broke, the user gets an ephemeral answer instead of silence.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(logger, ex, request.InteractionId, request.Name, request.GuildId);
            var message = ex is GuildVoiceException or DiscordQuestionException ? ex.Message : "Something went wrong; the operators can find the details in the logs.";
            return await AnswerAsync(responder, interaction, SlashCommandOutcome.Failed, message, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CommandResult> JoinAsync(SlashCommandRequest request, InteractionResponder responder, CancellationToken cancellationToken)
    {
        ulong channelId;
        if (request.Options.TryGetValue(SlashCommandCatalog.ChannelOption, out var option))
        {
            if (option.ChannelId is not { } chosen)
            {
                return CommandResult.Reject("The channel option must be a voice channel.");
            }

            if (option.ChannelType is { } type && type is not (DiscordChannelType.GuildVoice or DiscordChannelType.GuildStageVoice))
            {
                return CommandResult.Reject($"<#{Id(chosen)}> is not a voice channel.");
            }

            channelId = chosen;
        }
        else if (voiceStates.ChannelOf(request.GuildId, request.UserId) is { } current)
        {
            channelId = current;
        }
        else
        {
            return CommandResult.Reject("Join a voice channel first, or name one: /join channel:<voice channel>.");
        }

        await responder.DeferAsync(cancellationToken).ConfigureAwait(false);
        var status = await voice.JoinAsync(request.GuildId, channelId, cancellationToken).ConfigureAwait(false);
        return CommandResult.Answer($"Joined <#{Id(status.ChannelId ?? channelId)}>. Talk to me there, or use /ask. " +
            $"End-to-end encryption (DAVE): {(status.DaveProtocolVersion > 0 ? "on" : "off")}.");
    }

    private async Task<CommandResult> LeaveAsync(SlashCommandRequest request, InteractionResponder responder, CancellationToken cancellationToken)
    {
        await responder.DeferAsync(cancellationToken).ConfigureAwait(false);
        var left = await voice.LeaveAsync(request.GuildId, cancellationToken).ConfigureAwait(false);
        return left ? CommandResult.Answer("Left the voice channel.") : CommandResult.Reject("I am not in a voice channel here.", SlashCommandOutcome.Failed);
    }

    private async Task<CommandResult> AskAsync(SlashCommandRequest request, InteractionResponder responder, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(SlashCommandCatalog.QuestionOption, out var option) || string.IsNullOrWhiteSpace(option.Text))
        {
            return CommandResult.Reject("The question is missing: /ask question:<what to ask>.");
        }

        if (option.Text.Length > SlashCommandCatalog.MaxQuestionLength)
        {
            return CommandResult.Reject($"The question is longer than {SlashCommandCatalog.MaxQuestionLength} characters.");
        }

        // In the ledger before the question goes out: the voice transport may hand the answer to the text fallback
        // before this command sees it, and the fallback must not post what this reply is about to show.
        var ledgerEntry = answers.Begin(request.GuildId);
        string? answerText = null;
        try
        {
            await responder.DeferAsync(cancellationToken).ConfigureAwait(false);
            var answer = await asker.AskAsync(request.GuildId, request.UserId, request.InteractionId, option.Text, cancellationToken).ConfigureAwait(false);
            answerText = answer.Text;
        }
        finally
        {
            ledgerEntry.Complete(answerText);
        }

        return string.IsNullOrWhiteSpace(answerText)
            ? CommandResult.Reject("The assistant gave an empty answer.", SlashCommandOutcome.Failed)
            : CommandResult.Answer(answerText);
    }

    private async Task<CommandResult> StatusAsync(SlashCommandRequest request, InteractionResponder responder, CancellationToken cancellationToken)
    {
        await responder.DeferAsync(cancellationToken).ConfigureAwait(false);
        var sessionId = DiscordSessions.SessionId(request.GuildId);
        var status = voice.GetStatus(request.GuildId);
        var snapshot = await cluster.GetGrain<IConversationGrain>(sessionId).GetSnapshotAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder();
        if (status is null)
        {
            text.Append("Voice: not served by this process.");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Voice: {status.State}");
            if (status.ChannelId is { } channel)
            {
                text.Append(CultureInfo.InvariantCulture, $" in <#{Id(channel)}>");
            }

            if (status.ConnectedAt is { } since)
            {
                text.Append(CultureInfo.InvariantCulture, $" since <t:{since.ToUnixTimeSeconds()}:R>");
            }

            text.Append(CultureInfo.InvariantCulture, $" (shard {status.ShardId}). Speakers heard: {status.Speakers}. ");
            text.Append(CultureInfo.InvariantCulture, $"End-to-end encryption (DAVE): {(status.DaveProtocolVersion > 0 ? "on" : "off")}.");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nSession {sessionId}: {snapshot?.Context.GetValueOrDefault(SessionContextKeys.TurnCount) ?? "0"} turns recorded.");
        return CommandResult.Answer(text.ToString());
    }

    private async Task<SlashCommandOutcome> AnswerAsync(
        InteractionResponder responder, InteractionCreate interaction, SlashCommandOutcome outcome, string message, CancellationToken cancellationToken)
    {
        try
        {
            await responder.FailAsync(message, cancellationToken).ConfigureAwait(false);
            return Count(outcome);
        }
        catch (DiscordRestException ex)
        {
            LogUnanswerable(logger, ex, interaction.Id, interaction.CommandName);
            return Count(SlashCommandOutcome.Unanswerable);
        }
    }

    private SlashCommandOutcome Count(SlashCommandOutcome outcome)
    {
        switch (outcome)
        {
            case SlashCommandOutcome.Answered:
                statistics.OnAnswered();
                break;
            case SlashCommandOutcome.Rejected:
                statistics.OnRejected();
                break;
            case SlashCommandOutcome.Failed:
                statistics.OnFailed();
                break;
            default:
                statistics.OnUnanswerable();
                break;
        }

        return outcome;
    }

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4710, Level = LogLevel.Information, Message = "Interaction {InteractionId}: /{Command} in guild {GuildId} answered")]
    private static partial void LogAnswered(ILogger logger, ulong interactionId, string command, ulong guildId);

    [LoggerMessage(EventId = 4711, Level = LogLevel.Information, Message = "Interaction {InteractionId}: /{Command} refused: {Problem}")]
    private static partial void LogRejected(ILogger logger, ulong interactionId, string? command, string problem);

    [LoggerMessage(EventId = 4712, Level = LogLevel.Warning, Message = "Interaction {InteractionId}: /{Command} in guild {GuildId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, ulong interactionId, string command, ulong guildId);

    [LoggerMessage(EventId = 4713, Level = LogLevel.Warning, Message = "Interaction {InteractionId}: /{Command} could not be answered on Discord")]
    private static partial void LogUnanswerable(ILogger logger, Exception exception, ulong interactionId, string? command);

    private sealed record CommandResult(SlashCommandOutcome Outcome, string Text)
    {
        public static CommandResult Answer(string text) => new(SlashCommandOutcome.Answered, text);

        public static CommandResult Reject(string text, SlashCommandOutcome outcome = SlashCommandOutcome.Rejected) => new(outcome, text);
    }
}
