using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.WakeWords;

/// <summary>Whether a session answers everything it hears or only speech addressed to it.</summary>
public enum WakeMode
{
    /// <summary>Every utterance is answered; a leading wake phrase is stripped.</summary>
    AlwaysListening,

    /// <summary>Only utterances that start with a wake phrase (or follow one within the conversation window) are answered.</summary>
    WakeRequired,
}

/// <summary>Wake phrases and when they are needed. Section <c>WakeWord</c>; per guild <c>WakeWord:Guilds:{guildId}</c>.</summary>
public sealed class WakeWordOptions
{
    public const string SectionName = "WakeWord";

    /// <summary>Phrases that address the assistant (lowercase words with pronunciations in the dictionary or the agents' vocabulary).</summary>
    [MinLength(1)]
#pragma warning disable CA1819 // An array so configuration replaces the default rather than appending to it.
    public string[] Phrases { get; set; } = ["hey orchestrator"];
#pragma warning restore CA1819

    /// <summary>
    /// Mode of sessions of transports other than Discord (REST uploads, other live sessions). Default
    /// <see cref="WakeMode.AlwaysListening"/>: an upload is a deliberate request.
    /// </summary>
    public WakeMode Mode { get; set; } = WakeMode.AlwaysListening;

    /// <summary>
    /// Mode of Discord guild sessions (<c>discord-{guildId}</c>), where everybody in the channel is heard. Default
    /// <see cref="WakeMode.WakeRequired"/>. A guild override sets it with <c>WakeWord:Guilds:{guildId}:Mode</c>.
    /// </summary>
    public WakeMode DiscordMode { get; set; } = WakeMode.WakeRequired;

    /// <summary>After an utterance addressed to the assistant, the same speaker's follow-ups within this time need no wake phrase.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ConversationWindow { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Largest normalised word edit distance (0 = exact) at which the start of a transcript still counts as a wake phrase.
    /// Substituting one word costs its normalised letter edit distance, so "hey orchestra" is 0.13 from "hey orchestrator".
    /// </summary>
    [Range(0.0, 0.9)]
    public double MatchThreshold { get; set; } = 0.34;

    /// <summary>Spot the wake phrase acoustically (pocketsphinx keyphrase search) while the utterance is heard; without it only the transcript decides.</summary>
    public bool AcousticSpotting { get; set; } = true;

    /// <summary>Audio from the speech onset (after the pre-roll) searched for the wake phrase; an utterance without one in it is dropped before speech-to-text.</summary>
    [Range(300, 5000)]
    public int SpottingWindowMs { get; set; } = 1500;

    /// <summary>Audio before the onset fed to the spotter first, so a soft first syllable is not lost.</summary>
    [Range(0, 1000)]
    public int SpottingPreRollMs { get; set; } = 200;
}
