using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Puts together an upload heard by two speaker activations: the part reported by the one that went away gracefully
/// with the upload open (<see cref="InputCompletion.Partial"/>) and the end reported by the next one (the rest: heard
/// from a frame after 0). The upload is whole when the first part was heard from the start, was not cut in the middle
/// of speech, reaches the frame the rest began at, and the rest (heard only to check) had no speech: nothing of the
/// question is missing. Either may come first: a rest waits up to <see cref="PartWait"/> for its part (a stopping
/// silo's speaker reports its part while the session may be migrating too), then counts as cut; a rest whose part was
/// lost with a crashed silo (<see cref="InputCompletion.PartLost"/>) counts as cut at once. The last
/// <see cref="Capacity"/> parts and rests are kept; they move with the session when it migrates (<see cref="Snapshot"/>).
/// </summary>
internal sealed class UploadParts
{
    public const int Capacity = 64;

    /// <summary>How long a rest waits for the part heard before it.</summary>
    public static readonly TimeSpan PartWait = TimeSpan.FromSeconds(3);

    /// <summary>What waits, oldest first.</summary>
    private readonly OrderedDictionary<string, WaitingInput> _waiting = new(StringComparer.Ordinal);

    /// <summary>Whether a rest waits for its part (<see cref="Expire"/> then has something to say in time).</summary>
    public bool AnyRestWaiting => _waiting.Values.Any(w => !w.Completion.Partial);

    /// <summary>The event to publish for <paramref name="completion"/>: null while a part waits for its rest, or a rest for its part.</summary>
    public InputCompleted? Take(InputCompletion completion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (completion.CorrelationId is not { } upload)
        {
            return Completed(completion, completion.UtteranceCount, completion.Cut);
        }

        _waiting.TryGetValue(upload, out var earlier);
        if (completion.Partial)
        {
            if (earlier is { Completion.Partial: false } rest)
            {
                _waiting.Remove(upload);
                return Combine(completion, rest.Completion);
            }

            var part = earlier is null ? completion : Merge(earlier.Completion, completion);
            Keep(upload, new WaitingInput(part, now));
            // A part cut in the middle of speech: the upload has to be sent again whatever the rest is; said at once.
            return part.Cut ? Completed(part, part.UtteranceCount, cut: true) : null;
        }

        if (earlier is { Completion.Partial: true } first)
        {
            _waiting.Remove(upload);
            return Combine(first.Completion, completion);
        }

        if (completion.Heard is { First: > 0 } && !completion.PartLost)
        {
            Keep(upload, new WaitingInput(completion, now));
            return null;
        }

        return Completed(completion, completion.UtteranceCount, completion.Cut);
    }

    /// <summary>The rests that waited <see cref="PartWait"/> for a part that did not come: published as they are (cut).</summary>
    public IReadOnlyList<InputCompleted> Expire(DateTimeOffset now)
    {
        var expired = _waiting.Where(w => !w.Value.Completion.Partial && now - w.Value.Since >= PartWait).ToArray();
        foreach (var (upload, _) in expired)
        {
            _waiting.Remove(upload);
        }

        return [.. expired.Select(w => Completed(w.Value.Completion, w.Value.Completion.UtteranceCount, w.Value.Completion.Cut))];
    }

    /// <summary>What waits, oldest first (carried to the next activation when the session migrates).</summary>
    public IReadOnlyList<WaitingInput> Snapshot() => [.. _waiting.Values];

    /// <summary>Takes back what an earlier activation had waiting (<see cref="Snapshot"/>).</summary>
    public void Restore(IEnumerable<WaitingInput> waiting)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        foreach (var input in waiting)
        {
            if (input.Completion.CorrelationId is { } upload)
            {
                Keep(upload, input);
            }
        }
    }

    private static InputCompleted Combine(InputCompletion first, InputCompletion rest)
    {
        var whole = !first.Cut
            && first.Heard is { First: 0 } before
            && rest.Heard is { Speech: false } after
            && before.Next >= after.First;
        return Completed(rest, first.UtteranceCount + rest.UtteranceCount, cut: !whole && (rest.Cut || first.Cut));
    }

    /// <summary>Two parts of one upload (its speaker's activation went away twice): counted, but never whole.</summary>
    private static InputCompletion Merge(InputCompletion earlier, InputCompletion later) =>
        later with { UtteranceCount = earlier.UtteranceCount + later.UtteranceCount, Cut = true };

    private static InputCompleted Completed(InputCompletion completion, int utterances, bool cut) =>
        new(completion.Speaker.SpeakerId, utterances, cut) { CorrelationId = completion.CorrelationId };

    private void Keep(string upload, WaitingInput input)
    {
        _waiting[upload] = input; // a new one goes last; one already waiting keeps its place
        while (_waiting.Count > Capacity)
        {
            _waiting.RemoveAt(0);
        }
    }
}

/// <summary>A part or a rest of an upload waiting for the other, since <paramref name="Since"/>.</summary>
[GenerateSerializer, Immutable]
internal sealed record WaitingInput([property: Id(0)] InputCompletion Completion, [property: Id(1)] DateTimeOffset Since);
