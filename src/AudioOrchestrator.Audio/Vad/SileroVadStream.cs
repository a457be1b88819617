namespace AudioOrchestrator.Audio;

/// <summary>
/// One speaker's Silero VAD: the recurrent state [2, 1, 128] and the last 64 samples (about 1.3 KB), fed 512-sample
/// windows of 16 kHz mono audio, one speech probability per window. Windows quieter than
/// <see cref="SileroVadOptions.EnergyGateDbfs"/> skip inference and get probability 0 while the context still advances.
/// <see cref="Process"/> runs the window alone; <see cref="SileroVadBatch"/> runs the windows of many streams in one
/// call. Not thread-safe; steady-state processing allocates nothing.
/// </summary>
public sealed class SileroVadStream : IDisposable
{
    /// <summary>Inferred windows below this probability count as noise for the adaptive gate's floor.</summary>
    private const float ClearlyNotSpeech = 0.15f;

    /// <summary>Share of the gap to a non-speech window's level the floor moves per window.</summary>
    private const double NoiseTracking = 0.05;

    private readonly float[] _state = new float[SileroVadModel.StateSize];
    private readonly float[] _context = new float[SileroVadModel.ContextSamples];
    private readonly double _gateDbfs;
    private readonly double _adaptiveMarginDb;
    private double _noiseFloorDbfs = double.NaN;
    private double _lastLevelDbfs;
    private SileroVadInference? _inference;
    private bool _disposed;

    public SileroVadStream(SileroVadModel model, SileroVadOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        Model = model;
        _gateDbfs = options.EnergyGateDbfs;
        _adaptiveMarginDb = options.AdaptiveGateMarginDb;
    }

    public SileroVadModel Model { get; }

    /// <summary>Windows processed since creation or <see cref="Reset"/>.</summary>
    public long Windows { get; private set; }

    /// <summary>Windows that ran through the model (the rest were below the energy gate).</summary>
    public long Inferences { get; private set; }

    /// <summary>The tracked noise floor of the adaptive gate (NaN before the first window or with the adaptive gate off).</summary>
    public double NoiseFloorDbfs => _noiseFloorDbfs;

    /// <summary>Probability of the last window.</summary>
    public float LastProbability { get; private set; }

    /// <summary>Runs one window of <see cref="SileroVadModel.WindowSamples"/> samples; returns its speech probability.</summary>
    public float Process(ReadOnlySpan<short> window)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Gate(window))
        {
            return 0;
        }

        var inference = _inference ??= new SileroVadInference(Model, capacity: 1);
        Prepare(inference, rows: 1, row: 0, window);
        inference.Run(1);
        return Complete(inference, rows: 1, row: 0);
    }

    /// <summary>Forgets the speaker's state and context (start of a new, unrelated stream).</summary>
    public void Reset()
    {
        Array.Clear(_state);
        Array.Clear(_context);
        _noiseFloorDbfs = double.NaN;
        Windows = 0;
        Inferences = 0;
        LastProbability = 0;
    }

    public void Dispose()
    {
        _disposed = true;
        _inference?.Dispose();
        _inference = null;
    }

    /// <summary>Checks the window; when it is below the gate advances the context, records probability 0 and returns true.</summary>
    internal bool Gate(ReadOnlySpan<short> window)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (window.Length != SileroVadModel.WindowSamples)
        {
            throw new ArgumentException($"A Silero window is {SileroVadModel.WindowSamples} samples at 16 kHz (was {window.Length}).", nameof(window));
        }

        Windows++;
        var level = PcmMath.RmsDbfs(window);
        _lastLevelDbfs = level;
        var threshold = _gateDbfs;
        if (_adaptiveMarginDb > 0)
        {
            if (double.IsNaN(_noiseFloorDbfs) || level < _noiseFloorDbfs)
            {
                _noiseFloorDbfs = level;
            }

            // Only between utterances: once the model has heard speech, every window runs until it hears none again.
            if (LastProbability < ClearlyNotSpeech)
            {
                threshold = Math.Max(threshold, _noiseFloorDbfs + _adaptiveMarginDb);
            }
        }

        if (level >= threshold)
        {
            return false;
        }

        TrackNoise(level);
        ToFloat(window[^SileroVadModel.ContextSamples..], _context);
        LastProbability = 0;
        return true;
    }

    /// <summary>Writes context + window into the input row and this stream's state into the batch state; advances the context.</summary>
    internal void Prepare(SileroVadInference inference, int rows, int row, ReadOnlySpan<short> window)
    {
        var input = inference.InputRow(row);
        _context.CopyTo(input);
        ToFloat(window, input[SileroVadModel.ContextSamples..]);
        input[^SileroVadModel.ContextSamples..].CopyTo(_context);
        _state.AsSpan(0, SileroVadModel.StateWidth).CopyTo(inference.StateRow(rows, 0, row));
        _state.AsSpan(SileroVadModel.StateWidth).CopyTo(inference.StateRow(rows, 1, row));
    }

    /// <summary>Takes the new state and the probability of this stream's row after a run.</summary>
    internal float Complete(SileroVadInference inference, int rows, int row)
    {
        inference.NextStateRow(rows, 0, row).CopyTo(_state);
        inference.NextStateRow(rows, 1, row).CopyTo(_state.AsSpan(SileroVadModel.StateWidth));
        Inferences++;
        LastProbability = inference.Probability(row);
        if (LastProbability < ClearlyNotSpeech)
        {
            TrackNoise(_lastLevelDbfs);
        }

        return LastProbability;
    }

    /// <summary>The noise floor rises towards the level of a non-speech window (time constant ~20 windows).</summary>
    private void TrackNoise(double level)
    {
        if (_adaptiveMarginDb > 0 && level > _noiseFloorDbfs)
        {
            _noiseFloorDbfs += (level - _noiseFloorDbfs) * NoiseTracking;
        }
    }

    private static void ToFloat(ReadOnlySpan<short> samples, Span<float> destination)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            destination[i] = samples[i] * (1f / 32768f);
        }
    }
}
