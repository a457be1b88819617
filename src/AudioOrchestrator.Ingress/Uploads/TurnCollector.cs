using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// Gathers the audio-out events of one upload (by correlation id) until every turn it started has completed
/// or failed. Events may arrive in any order.
/// </summary>
public sealed class TurnCollector(string correlationId)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TurnParts> _turns = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int? _expected;

    public Task Completion => _done.Task;

    /// <summary>The speaker said it heard the whole input (<see cref="InputCompleted"/>): every turn it started is with the session.</summary>
    public bool InputHeard
    {
        get
        {
            lock (_lock)
            {
                return _expected is not null;
            }
        }
    }

    /// <summary>The speaker said the input was cut (<see cref="InputCompleted.Cut"/>): it was not heard to its end.</summary>
    public bool InputCut { get; private set; }

    /// <summary>Records that the input was cut without the speaker saying so (the activation that had it is gone).</summary>
    public void MarkCut()
    {
        lock (_lock)
        {
            InputCut = true;
        }
    }

    /// <summary>Whether any turn of the input was heard of (started, answered or failed).</summary>
    public bool AnyTurn
    {
        get
        {
            lock (_lock)
            {
                return _turns.Count > 0;
            }
        }
    }

    public Task OnEventAsync(SessionOutputEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!string.Equals(item.CorrelationId, correlationId, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            switch (item)
            {
                case AnswerStarted started:
                    var parts = Turn(started.TurnId);
                    parts.Started = started;
                    break;
                case AnswerAudio audio:
                    Turn(audio.TurnId).Add(audio);
                    break;
                case AnswerCompleted completed:
                    Turn(completed.TurnId).Completed = completed;
                    break;
                case TurnFailed failed:
                    Turn(failed.TurnId).Failed = failed;
                    break;
                case InputCompleted input:
                    // The most said: an input end published again (its first publish got no answer in time, see
                    // ClusterCallRetry) finds the input already closed and reports no turns.
                    _expected = Math.Max(_expected ?? 0, input.TurnCount);
                    InputCut |= input.Cut;
                    break;
                default:
                    break;
            }

            if (_expected is { } expected && _turns.Values.Count(t => t.IsFinished) >= expected)
            {
                _done.TrySetResult();
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The finished turns in the order they were started; answer audio decoded to a 48 kHz mono WAV.</summary>
    public IReadOnlyList<UploadedTurn> BuildTurns()
    {
        lock (_lock)
        {
            return _turns.Values
                .Where(t => t.IsFinished)
                .OrderBy(t => t.Order)
                .Select(t => t.ToUploadedTurn())
                .ToArray();
        }
    }

    private TurnParts Turn(string turnId)
    {
        if (!_turns.TryGetValue(turnId, out var parts))
        {
            parts = new TurnParts(turnId, _turns.Count);
            _turns[turnId] = parts;
        }

        return parts;
    }

    private sealed class TurnParts(string turnId, int order)
    {
        /// <summary>The answer's frames by number: the first of each kept (a sentence spoken again repeats numbers).</summary>
        private readonly SortedDictionary<long, byte[]> _frames = [];

        public string TurnId { get; } = turnId;
        public int Order { get; } = order;
        public AnswerStarted? Started { get; set; }
        public AnswerCompleted? Completed { get; set; }
        public TurnFailed? Failed { get; set; }
        public bool IsFinished => Completed is not null || Failed is not null;

        public void Add(AnswerAudio audio)
        {
            for (var i = 0; i < audio.Frames.Length; i++)
            {
                _frames.TryAdd(audio.FirstSequence + i, audio.Frames[i]);
            }
        }

        public UploadedTurn ToUploadedTurn()
        {
            byte[]? wav = null;
            if (Completed is not null && _frames.Count > 0)
            {
                var packets = _frames.Values.Select(f => (ReadOnlyMemory<byte>)f);
                wav = WavCodec.Encode(OpusPacketizer.Decode(packets, channels: 1));
            }

            return new UploadedTurn(
                TurnId,
                Started?.Transcript ?? "",
                Started?.Agent,
                Completed?.ResponseText,
                Completed?.Timings,
                wav,
                Failed?.Reason ?? Completed?.Error,
                Started?.Route);
        }
    }
}
