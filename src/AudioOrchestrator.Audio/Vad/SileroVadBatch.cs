namespace AudioOrchestrator.Audio;

/// <summary>
/// Runs one window of each of many <see cref="SileroVadStream"/>s in a single inference call (input [B, 576], state
/// [2, B, 128]). Gated (quiet) windows are left out of the call. Each stream keeps its own state, so results equal
/// <see cref="SileroVadStream.Process"/> window by window. Not thread-safe: one batch per worker; allocates nothing
/// once each batch size has been seen.
/// </summary>
public sealed class SileroVadBatch : IDisposable
{
    private readonly SileroVadInference _inference;
    private readonly SileroVadStream[] _pending;
    private readonly int[] _pendingIndex;

    public SileroVadBatch(SileroVadModel model, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        Model = model;
        _inference = new SileroVadInference(model, capacity);
        _pending = new SileroVadStream[capacity];
        _pendingIndex = new int[capacity];
    }

    public SileroVadModel Model { get; }

    /// <summary>Most windows per inference call; longer inputs are processed in several calls.</summary>
    public int Capacity => _inference.Capacity;

    /// <summary>Inference calls made so far.</summary>
    public long Runs { get; private set; }

    /// <summary>
    /// Processes window <c>i</c> (samples <c>[i*512, (i+1)*512)</c> of <paramref name="windows"/>) with
    /// <c>streams[i]</c> and writes its probability to <c>probabilities[i]</c>. A stream may appear only once per call.
    /// </summary>
    public void Process(ReadOnlySpan<SileroVadStream> streams, ReadOnlySpan<short> windows, Span<float> probabilities)
    {
        if (windows.Length != streams.Length * SileroVadModel.WindowSamples)
        {
            throw new ArgumentException($"Expected {streams.Length} windows of {SileroVadModel.WindowSamples} samples, got {windows.Length} samples.", nameof(windows));
        }

        if (probabilities.Length < streams.Length)
        {
            throw new ArgumentException($"Room for {streams.Length} probabilities is needed (was {probabilities.Length}).", nameof(probabilities));
        }

        for (var i = 0; i < streams.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(streams[i], nameof(streams));
            if (!ReferenceEquals(streams[i].Model, Model))
            {
                throw new ArgumentException("Every stream must use the batch's model.", nameof(streams));
            }

            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(streams[i], streams[j]))
                {
                    throw new ArgumentException($"Stream {i} appears twice in one batch; its windows must be processed in order.", nameof(streams));
                }
            }
        }

        var count = 0;
        for (var i = 0; i < streams.Length; i++)
        {
            var window = windows.Slice(i * SileroVadModel.WindowSamples, SileroVadModel.WindowSamples);
            if (streams[i].Gate(window))
            {
                probabilities[i] = 0;
                continue;
            }

            _pending[count] = streams[i];
            _pendingIndex[count] = i;
            count++;
            if (count == Capacity)
            {
                RunPending(count, windows, probabilities);
                count = 0;
            }
        }

        if (count > 0)
        {
            RunPending(count, windows, probabilities);
        }
    }

    public void Dispose()
    {
        _inference.Dispose();
        Array.Clear(_pending);
    }

    private void RunPending(int count, ReadOnlySpan<short> windows, Span<float> probabilities)
    {
        for (var row = 0; row < count; row++)
        {
            var window = windows.Slice(_pendingIndex[row] * SileroVadModel.WindowSamples, SileroVadModel.WindowSamples);
            _pending[row].Prepare(_inference, count, row, window);
        }

        _inference.Run(count);
        Runs++;
        for (var row = 0; row < count; row++)
        {
            probabilities[_pendingIndex[row]] = _pending[row].Complete(_inference, count, row);
            _pending[row] = null!;
        }
    }
}
