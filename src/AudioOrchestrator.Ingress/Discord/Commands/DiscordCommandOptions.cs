using System.Globalization;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>Slash commands and the text-chat fallback (keys of section <c>Discord</c>).</summary>
public sealed class DiscordCommandOptions
{
    /// <summary>The configuration section (shared with the Discord client's options).</summary>
    public const string SectionName = "Discord";

    /// <summary>Register the slash commands at start-up (bulk overwrite, idempotent).</summary>
    public bool RegisterCommands { get; set; } = true;

    /// <summary>The application id; null to ask Discord (<c>GET /applications/@me</c>) at start-up.</summary>
    public ulong? ApplicationId { get; set; }

    /// <summary>
    /// Guilds to register the commands in directly (visible at once, for development); empty = global commands
    /// (Discord may take up to an hour to show changes everywhere).
    /// </summary>
    public IList<ulong> CommandGuildIds { get; } = [];

    /// <summary>
    /// Text channel per guild id for answers that cannot be spoken when no slash command was used in the guild yet
    /// (<c>Discord:FallbackTextChannels:{guildId} = {channelId}</c>).
    /// </summary>
    public IDictionary<string, ulong> FallbackTextChannels { get; } = new Dictionary<string, ulong>(StringComparer.Ordinal);

    /// <summary>How long <c>/ask</c> waits for the agent's answer before telling the user it timed out.</summary>
    public TimeSpan AskTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Start-up registration attempts before giving up (logged; the commands then keep their last registration).</summary>
    public int RegistrationAttempts { get; set; } = 5;

    /// <summary>The configured fallback channel of a guild.</summary>
    public ulong? FallbackChannelFor(ulong guildId) =>
        FallbackTextChannels.TryGetValue(guildId.ToString(CultureInfo.InvariantCulture), out var channel) ? channel : null;
}

/// <summary>Validates <see cref="DiscordCommandOptions"/> at start-up.</summary>
public sealed class DiscordCommandOptionsValidator : IValidateOptions<DiscordCommandOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DiscordCommandOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ApplicationId is 0)
        {
            failures.Add("Discord:ApplicationId must be a snowflake (or absent).");
        }

        if (options.CommandGuildIds.Any(id => id == 0))
        {
            failures.Add("Discord:CommandGuildIds must hold guild ids.");
        }

        foreach (var (guild, channel) in options.FallbackTextChannels)
        {
            if (!ulong.TryParse(guild, NumberStyles.None, CultureInfo.InvariantCulture, out var guildId) || guildId == 0 || channel == 0)
            {
                failures.Add($"Discord:FallbackTextChannels:{guild} must map a guild id to a channel id.");
            }
        }

        if (options.AskTimeout < TimeSpan.FromSeconds(1) || options.AskTimeout > TimeSpan.FromMinutes(14))
        {
            failures.Add("Discord:AskTimeout must be between 1 s and 14 min (interaction tokens last 15 min).");
        }

        if (options.RegistrationAttempts is < 1 or > 100)
        {
            failures.Add("Discord:RegistrationAttempts must be in [1, 100].");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
