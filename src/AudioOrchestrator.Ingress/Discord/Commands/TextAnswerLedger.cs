namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// The <c>/ask</c> answers already given in text, per guild: in flight (question submitted, answer not yet known) or
/// answered within <see cref="Window"/>. The text fallback consults it so an answer the voice transport could not
/// play is not posted a second time when the user already has it as the interaction's reply.
/// </summary>
public sealed class TextAnswerLedger(TimeProvider clock)
{
    /// <summary>How long an answered question is remembered.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    private readonly Dictionary<ulong, List<Entry>> _guilds = [];
    private readonly Lock _lock = new();

    /// <summary>A question was submitted in the guild; complete the returned entry with the answer (or null).</summary>
    public Entry Begin(ulong guildId)
    {
        var entry = new Entry(clock);
        lock (_lock)
        {
            if (!_guilds.TryGetValue(guildId, out var entries))
            {
                entries = [];
                _guilds[guildId] = entries;
            }

            entries.RemoveAll(e => e.IsExpired);
            entries.Add(entry);
        }

        return entry;
    }

    /// <summary>The guild's questions in flight or recently answered (empty when none: post at once).</summary>
    public IReadOnlyList<Entry> Relevant(ulong guildId)
    {
        lock (_lock)
        {
            if (!_guilds.TryGetValue(guildId, out var entries))
            {
                return [];
            }

            entries.RemoveAll(e => e.IsExpired);
            if (entries.Count == 0)
            {
                _guilds.Remove(guildId);
            }

            return [.. entries];
        }
    }

    /// <summary>True when one of <paramref name="entries"/> was (or, waiting up to <paramref name="wait"/>, becomes) answered with <paramref name="text"/>.</summary>
    public static async Task<bool> AnsweredWithAsync(IReadOnlyList<Entry> entries, string text, TimeSpan wait, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            try
            {
                var answer = await entry.Answer.WaitAsync(wait, clock, cancellationToken).ConfigureAwait(false);
                if (string.Equals(answer, text, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (TimeoutException)
            {
                // Still unanswered: it cannot be this text.
            }
        }

        return false;
    }

    /// <summary>One question: its answer once known.</summary>
    public sealed class Entry(TimeProvider clock)
    {
        private readonly TaskCompletionSource<string?> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _completedAt;

        /// <summary>The answer text (null: failed).</summary>
        public Task<string?> Answer => _answer.Task;

        internal bool IsExpired
        {
            get
            {
                var completedAt = Interlocked.Read(ref _completedAt);
                return completedAt != 0 && clock.GetElapsedTime(completedAt) > Window;
            }
        }

        /// <summary>Records the answer (null when the question failed).</summary>
        public void Complete(string? answer)
        {
            if (_answer.TrySetResult(answer))
            {
                Interlocked.Exchange(ref _completedAt, Math.Max(1, clock.GetTimestamp()));
            }
        }
    }
}
