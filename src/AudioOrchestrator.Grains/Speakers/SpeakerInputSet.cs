namespace AudioOrchestrator.Grains.Speakers;

/// <summary>What opening (or finding) an input for a batch of audio did.</summary>
/// <param name="Input">The input; null when the speaker already has the most inputs open.</param>
/// <param name="Released">Uploads released (and disposed) to make room: they had sent nothing for too long and never ended.</param>
/// <param name="Opened">Whether this batch opened the input (its first batch in this activation).</param>
public readonly record struct InputLookup(SpeakerInput? Input, IReadOnlyList<SpeakerInput> Released, bool Opened = false);

/// <summary>
/// The inputs one speaker has open: at most one live input and uploads by correlation id, bounded. An upload whose
/// client went away before its end marker gives its place up once it has been quiet for the abandonment timeout and
/// a new input needs the room. Not thread-safe; owned by one grain activation.
/// </summary>
public sealed class SpeakerInputSet : IDisposable
{
    private const string LiveKey = "\0live";
    private readonly Dictionary<string, SpeakerInput> _inputs = new(StringComparer.Ordinal);
    private readonly int _maxInputs;
    private readonly TimeSpan _abandonedAfter;
    private readonly Func<InputOrigin, SpeakerInput> _open;

    /// <param name="maxInputs">Inputs (live + uploads) open at once.</param>
    /// <param name="abandonedAfter">Quiet time after which an upload may be released for a new input.</param>
    /// <param name="open">Creates the input for audio of a new origin.</param>
    public SpeakerInputSet(int maxInputs, TimeSpan abandonedAfter, Func<InputOrigin, SpeakerInput> open)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInputs, 1);
        _maxInputs = maxInputs;
        _abandonedAfter = abandonedAfter;
        _open = open ?? throw new ArgumentNullException(nameof(open));
    }

    public int Count => _inputs.Count;

    /// <summary>The live input, if open.</summary>
    public SpeakerInput? Live => _inputs.GetValueOrDefault(LiveKey);

    /// <summary>True while any input is inside an utterance.</summary>
    public bool AnyInSpeech => _inputs.Values.Any(i => i.Pipeline.InSpeech);

    /// <summary>How many inputs are inside an utterance.</summary>
    public int InSpeechCount => _inputs.Values.Count(i => i.Pipeline.InSpeech);

    /// <summary>The input of <paramref name="origin"/>, opened if new (after releasing abandoned uploads if the set is full).</summary>
    public InputLookup GetOrOpen(InputOrigin origin, DateTimeOffset now)
    {
        var key = Key(origin.CorrelationId, origin.IsLive);
        if (_inputs.TryGetValue(key, out var input))
        {
            input.Touch(now);
            return new InputLookup(input, []);
        }

        IReadOnlyList<SpeakerInput> released = _inputs.Count >= _maxInputs ? ReleaseAbandoned(now) : [];
        if (_inputs.Count >= _maxInputs)
        {
            return new InputLookup(null, released);
        }

        input = _open(origin);
        input.Touch(now);
        _inputs[key] = input;
        return new InputLookup(input, released, Opened: true);
    }

    /// <summary>The open uploads (not live audio).</summary>
    public IReadOnlyList<SpeakerInput> Uploads => [.. _inputs.Values.Where(i => !i.IsLive)];

    /// <summary>Removes the input of an origin (its end marker came); null if none is open. The caller disposes it.</summary>
    public SpeakerInput? Remove(string? correlationId, bool isLive) =>
        _inputs.Remove(Key(correlationId, isLive), out var input) ? input : null;

    /// <summary>Removes and disposes <paramref name="input"/>.</summary>
    public void Close(SpeakerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_inputs.Remove(Key(input.CorrelationId, input.IsLive)))
        {
            input.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var input in _inputs.Values)
        {
            input.Dispose();
        }

        _inputs.Clear();
    }

    private static string Key(string? correlationId, bool isLive) => isLive ? LiveKey : correlationId ?? "";

    private List<SpeakerInput> ReleaseAbandoned(DateTimeOffset now)
    {
        var stale = _inputs.Where(i => !i.Value.IsLive && now - i.Value.LastActivityAt > _abandonedAfter).ToList();
        foreach (var (key, input) in stale)
        {
            _inputs.Remove(key);
            input.Dispose();
        }

        return [.. stale.Select(s => s.Value)];
    }
}

/// <summary>Where a speaker's audio comes from: live audio, or the upload with this correlation id; and how it is traced.</summary>
/// <param name="CorrelationId">The upload's correlation id; null for live audio.</param>
/// <param name="IsLive">Live audio.</param>
/// <param name="CapturedAt">When the first audio was captured.</param>
/// <param name="TraceParent">The ingress trace.</param>
public sealed record InputOrigin(string? CorrelationId, bool IsLive, DateTimeOffset CapturedAt, string? TraceParent);
