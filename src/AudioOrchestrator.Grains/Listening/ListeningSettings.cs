using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.WakeWords;

namespace AudioOrchestrator.Grains.Listening;

/// <summary>Everything the front-end of one session uses, with its guild's overrides applied.</summary>
/// <param name="Speaker">Segmenter, voice activity detector, packet gap.</param>
/// <param name="Wake">Wake phrases, window, matching.</param>
/// <param name="WakeMode">The mode that applies to the session: the profile's <see cref="SessionProfile.Wake"/> if it asks for one, else <see cref="WakeWordOptions.Mode"/> (Discord sessions: <see cref="WakeWordOptions.DiscordMode"/>).</param>
/// <param name="BargeIn">Barge-in settings.</param>
public sealed record ListeningSettings(SpeakerOptions Speaker, WakeWordOptions Wake, WakeMode WakeMode, BargeInOptions BargeIn);

/// <summary>Resolves <see cref="ListeningSettings"/> for a session's profile (a Discord session's guild may override any of them).</summary>
public sealed class ListeningSettingsResolver(
    GuildOptions<SpeakerOptions> speaker,
    GuildOptions<WakeWordOptions> wake,
    GuildOptions<BargeInOptions> bargeIn)
{
    public ListeningSettings Resolve(SessionProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var wakeOptions = wake.For(profile.GuildId);
        var mode = profile.Wake switch
        {
            SessionWake.Required => WakeMode.WakeRequired,
            SessionWake.Off => WakeMode.AlwaysListening,
            _ => profile.IsDiscord ? wakeOptions.DiscordMode : wakeOptions.Mode,
        };
        return new ListeningSettings(speaker.For(profile.GuildId), wakeOptions, mode, bargeIn.For(profile.GuildId));
    }
}
