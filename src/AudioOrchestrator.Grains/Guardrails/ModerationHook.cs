using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Routing;

namespace AudioOrchestrator.Grains.Guardrails;

/// <summary>A moderation decision: allowed, or blocked with the reason recorded in the turn.</summary>
public sealed record ModerationVerdict(bool Allowed, string? Reason = null)
{
    public static readonly ModerationVerdict Allow = new(true);
}

/// <summary>
/// Decides whether the assistant may take up what was said and whether it may say a sentence. The local default is
/// <see cref="BlockedTopicsModeration"/>; register another implementation (e.g. a call to a moderation service) to
/// replace it.
/// </summary>
public interface IModerationHook
{
    ValueTask<ModerationVerdict> CheckInputAsync(string text, string? guildId, CancellationToken cancellationToken);

    ValueTask<ModerationVerdict> CheckOutputAsync(string sentence, string? guildId, CancellationToken cancellationToken);
}

/// <summary>The local rule-based moderation: <c>Guardrails:BlockedTopics</c> (per guild) matched on whole words.</summary>
public sealed class BlockedTopicsModeration(GuildOptions<GuardrailOptions> options) : IModerationHook
{
    public ValueTask<ModerationVerdict> CheckInputAsync(string text, string? guildId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Check(text, guildId));

    public ValueTask<ModerationVerdict> CheckOutputAsync(string sentence, string? guildId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Check(sentence, guildId));

    private ModerationVerdict Check(string text, string? guildId)
    {
        var topics = options.For(guildId).BlockedTopics;
        if (topics.Count == 0)
        {
            return ModerationVerdict.Allow;
        }

        var words = TextNormalizer.Words(text ?? "");
        foreach (var topic in topics)
        {
            var phrase = TextNormalizer.Words(topic);
            if (phrase.Count > 0 && Contains(words, phrase))
            {
                return new ModerationVerdict(false, $"blocked topic \"{string.Join(' ', phrase)}\"");
            }
        }

        return ModerationVerdict.Allow;
    }

    private static bool Contains(IReadOnlyList<string> words, IReadOnlyList<string> phrase)
    {
        for (var i = 0; i + phrase.Count <= words.Count; i++)
        {
            var match = true;
            for (var j = 0; j < phrase.Count && match; j++)
            {
                match = string.Equals(words[i + j], phrase[j], StringComparison.Ordinal);
            }

            if (match)
            {
                return true;
            }
        }

        return false;
    }
}
