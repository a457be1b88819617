using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Puts together an upload heard by two speaker activations: the part reported by the one that went away gracefully
/// with the upload open (<see cref="InputCompletion.Partial"/>) and the end reported by the next one. The upload is
/// whole when the first part was heard from the start, was not cut in the middle of speech, reaches the frame the rest
/// began at, and the rest (heard only to check) had no speech: nothing of the question is missing. The last
/// <see cref="Capacity"/> parts are kept (an activation's memory; a part whose session went away is lost, and the
/// upload is then reported cut).
/// </summary>
internal sealed class UploadParts
{
    public const int Capacity = 64;
    private readonly Dictionary<string, InputCompletion> _parts = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>The event to publish for <paramref name="completion"/>: null for a part that waits for its rest.</summary>
    public InputCompleted? Take(InputCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.CorrelationId is not { } upload)
        {
            return Completed(completion, completion.UtteranceCount, completion.Cut);
        }

        if (completion.Partial)
        {
            var part = _parts.TryGetValue(upload, out var earlier) ? Merge(earlier, completion) : completion;
            Keep(upload, part);
            // A part cut in the middle of speech: the upload has to be sent again whatever the rest is; said at once.
            return part.Cut ? Completed(part, part.UtteranceCount, cut: true) : null;
        }

        if (!_parts.Remove(upload, out var first))
        {
            return Completed(completion, completion.UtteranceCount, completion.Cut);
        }

        var whole = !first.Cut
            && first.Heard is { First: 0 } before
            && completion.Heard is { Speech: false } rest
            && before.Next >= rest.First;
        return Completed(completion, first.UtteranceCount + completion.UtteranceCount, cut: !whole && (completion.Cut || first.Cut));
    }

    /// <summary>Two parts of one upload (its speaker's activation went away twice): counted, but never whole.</summary>
    private static InputCompletion Merge(InputCompletion earlier, InputCompletion later) =>
        later with { UtteranceCount = earlier.UtteranceCount + later.UtteranceCount, Cut = true };

    private static InputCompleted Completed(InputCompletion completion, int utterances, bool cut) =>
        new(completion.Speaker.SpeakerId, utterances, cut) { CorrelationId = completion.CorrelationId };

    private void Keep(string upload, InputCompletion part)
    {
        if (_parts.TryAdd(upload, part))
        {
            _order.Enqueue(upload);
        }
        else
        {
            _parts[upload] = part;
        }

        while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _parts.Remove(oldest);
        }
    }
}
