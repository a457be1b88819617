using AudioOrchestrator.Discord.Rest;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// Answers one interaction through its token: at most one callback; after a deferral, the result replaces the
/// "thinking..." original and a failure becomes an ephemeral followup (the public original is deleted), so the user
/// always gets an answer and errors are only shown to them.
/// </summary>
internal sealed class InteractionResponder(DiscordInteractionRestClient rest, ulong interactionId, ulong applicationId, string token)
{
    private bool _acknowledged;
    private bool _deferred;

    /// <summary>Whether the interaction has been acknowledged.</summary>
    public bool Acknowledged => _acknowledged;

    /// <summary>Type 5: the user sees "thinking..." until <see cref="CompleteAsync"/> (within 15 minutes).</summary>
    public async Task DeferAsync(CancellationToken cancellationToken)
    {
        await rest.RespondAsync(interactionId, token, InteractionCallbackType.DeferredChannelMessageWithSource, null, cancellationToken).ConfigureAwait(false);
        _acknowledged = true;
        _deferred = true;
    }

    /// <summary>The command's public answer.</summary>
    public async Task CompleteAsync(string text, CancellationToken cancellationToken)
    {
        if (_deferred)
        {
            await rest.EditOriginalResponseAsync(applicationId, token, text, cancellationToken).ConfigureAwait(false);
            return;
        }

        await rest.RespondAsync(interactionId, token, InteractionCallbackType.ChannelMessageWithSource, new DiscordMessageContent(text), cancellationToken).ConfigureAwait(false);
        _acknowledged = true;
    }

    /// <summary>An error only the invoking user sees.</summary>
    public async Task FailAsync(string text, CancellationToken cancellationToken)
    {
        var message = new DiscordMessageContent(text, Ephemeral: true);
        if (!_acknowledged)
        {
            await rest.RespondAsync(interactionId, token, InteractionCallbackType.ChannelMessageWithSource, message, cancellationToken).ConfigureAwait(false);
            _acknowledged = true;
            return;
        }

        if (_deferred)
        {
            try
            {
                await rest.DeleteOriginalResponseAsync(applicationId, token, cancellationToken).ConfigureAwait(false);
            }
            catch (DiscordRestException)
            {
                // The "thinking..." message stays; the ephemeral followup below still tells the user what went wrong.
            }
        }

        await rest.CreateFollowupAsync(applicationId, token, message, cancellationToken).ConfigureAwait(false);
    }
}
