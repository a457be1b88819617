using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Guilds;

/// <summary>How the bot joins, moves between and keeps voice channels (section <c>Discord:Voice</c>).</summary>
public sealed class GuildVoiceOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Discord:Voice";

    /// <summary>Time allowed from op 4 to our VOICE_STATE_UPDATE and a VOICE_SERVER_UPDATE with an endpoint.</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After close 4014: time to wait for new voice server events (a channel move) before treating it as a disconnect.</summary>
    public TimeSpan MoveTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Rejoins (new op 4) tried in a row after session-invalid closes or failed connects before giving up.</summary>
    public int MaxRejoinAttempts { get; set; } = 5;

    /// <summary>First delay between rejoin attempts; doubled per attempt.</summary>
    public TimeSpan RejoinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Join muted (op 4 <c>self_mute</c>); the bot talks, so false.</summary>
    public bool SelfMute { get; set; }

    /// <summary>The voice connection's own settings (DAVE, preferred mode, handshake timeout...).</summary>
    public VoiceConnectionSettings Connection { get; set; } = new();
}

/// <summary>Bindable copy of <see cref="Voice.VoiceConnectionOptions"/>.</summary>
public sealed class VoiceConnectionSettings
{
    /// <summary>Announce DAVE (Discord closes non-DAVE voice connections with 4017).</summary>
    public bool DaveEnabled { get; set; } = true;

    /// <summary>Time allowed from connecting to Session Description.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Resume attempts after a resumable close before rejoining.</summary>
    public int MaxResumeAttempts { get; set; } = 5;

    /// <summary>Builds the connection options.</summary>
    public Voice.VoiceConnectionOptions ToOptions() => new()
    {
        DaveEnabled = DaveEnabled,
        HandshakeTimeout = HandshakeTimeout,
        MaxResumeAttempts = MaxResumeAttempts,
    };
}

/// <summary>Validates <see cref="GuildVoiceOptions"/> at start-up.</summary>
public sealed class GuildVoiceOptionsValidator : IValidateOptions<GuildVoiceOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GuildVoiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.JoinTimeout <= TimeSpan.Zero)
        {
            failures.Add("Discord:Voice:JoinTimeout must be positive.");
        }

        if (options.MoveTimeout < TimeSpan.Zero)
        {
            failures.Add("Discord:Voice:MoveTimeout must not be negative.");
        }

        if (options.MaxRejoinAttempts < 0)
        {
            failures.Add("Discord:Voice:MaxRejoinAttempts must not be negative.");
        }

        if (options.RejoinDelay < TimeSpan.Zero)
        {
            failures.Add("Discord:Voice:RejoinDelay must not be negative.");
        }

        if (options.Connection is null)
        {
            failures.Add("Discord:Voice:Connection is required.");
        }
        else
        {
            var connection = new Voice.VoiceConnectionOptionsValidator().Validate(name, options.Connection.ToOptions());
            if (connection.Failed)
            {
                failures.AddRange(connection.Failures.Select(f => "Discord:Voice:Connection: " + f));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
