using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Guardrails;

/// <summary>Limits on what goes into and comes out of a turn. Section <c>Guardrails</c>; per guild <c>Guardrails:Guilds:{guildId}</c>.</summary>
public sealed class GuardrailOptions
{
    public const string SectionName = "Guardrails";

    /// <summary>Longest utterance text handed to agents, in characters (longer transcripts are cut; the turn records them whole).</summary>
    [Range(10, 1_000_000)]
    public int MaxInputCharacters { get; set; } = 4000;

    /// <summary>Longest answer, in characters: the agent is stopped there and its complete sentences are spoken (spoken answers stay short).</summary>
    [Range(10, 1_000_000)]
    public int MaxAnswerCharacters { get; set; } = 1000;

    /// <summary>
    /// Topics the assistant does not discuss here: words or phrases (matched on whole words, case-insensitive) that the
    /// local moderation finds in what is said to the assistant or in what it would say.
    /// </summary>
    public IList<string> BlockedTopics { get; set; } = [];

    /// <summary>What is said instead of answering a blocked topic.</summary>
    public string BlockedAnswer { get; set; } = "Sorry, I can't talk about that here.";
}

/// <summary>Personal data in logs and history. Section <c>Privacy</c>.</summary>
public sealed class PrivacyOptions
{
    public const string SectionName = "Privacy";

    /// <summary>E-mail addresses, phone and card numbers are replaced in the service's log lines of turns.</summary>
    public bool RedactLogs { get; set; } = true;

    /// <summary>They are also replaced in the persisted history (transcripts and answers) before it is written.</summary>
    public bool RedactHistory { get; set; }
}
