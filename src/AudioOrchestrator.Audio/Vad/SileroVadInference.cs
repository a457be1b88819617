using Microsoft.ML.OnnxRuntime;

namespace AudioOrchestrator.Audio;

/// <summary>
/// Inference scratch for up to <see cref="Capacity"/> rows: pinned input/state/output buffers and, per batch size used,
/// OrtValues over them bound once into an <see cref="OrtIoBinding"/>, so a run allocates nothing managed. Callers fill
/// <see cref="InputRow"/> and <see cref="StateRow"/> for the rows of the batch size they run, then read
/// <see cref="Probability"/> and <see cref="NextStateRow"/>. Not thread-safe: one per stream or per batching worker.
/// </summary>
internal sealed class SileroVadInference : IDisposable
{
    private readonly SileroVadModel _model;
    private readonly float[] _input;
    private readonly float[] _state;
    private readonly float[] _nextState;
    private readonly float[] _output;
    private readonly long[] _sampleRate;
    private readonly RunOptions _runOptions;
    private readonly Binding?[] _bindings;
    private bool _disposed;

    public SileroVadInference(SileroVadModel model, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 4096);
        _model = model;
        Capacity = capacity;
        _input = GC.AllocateArray<float>(capacity * SileroVadModel.InputSamples, pinned: true);
        _state = GC.AllocateArray<float>(capacity * SileroVadModel.StateSize, pinned: true);
        _nextState = GC.AllocateArray<float>(capacity * SileroVadModel.StateSize, pinned: true);
        _output = GC.AllocateArray<float>(capacity, pinned: true);
        _sampleRate = GC.AllocateArray<long>(1, pinned: true);
        _sampleRate[0] = SileroVadModel.SampleRate;
        _runOptions = new RunOptions();
        _bindings = new Binding?[capacity + 1];
    }

    public int Capacity { get; }

    /// <summary>Row <paramref name="row"/> of the input [rows, 576]: 64 samples of context, then 512 new ones.</summary>
    public Span<float> InputRow(int row) => _input.AsSpan(row * SileroVadModel.InputSamples, SileroVadModel.InputSamples);

    /// <summary>Layer <paramref name="layer"/> of row <paramref name="row"/> in the input state [2, rows, 128].</summary>
    public Span<float> StateRow(int rows, int layer, int row) => _state.AsSpan(StateOffset(rows, layer, row), SileroVadModel.StateWidth);

    /// <summary>Layer <paramref name="layer"/> of row <paramref name="row"/> in the output state [2, rows, 128].</summary>
    public ReadOnlySpan<float> NextStateRow(int rows, int layer, int row) => _nextState.AsSpan(StateOffset(rows, layer, row), SileroVadModel.StateWidth);

    public float Probability(int row) => _output[row];

    /// <summary>Runs the model on the first <paramref name="rows"/> rows.</summary>
    public void Run(int rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
        var binding = _bindings[rows] ??= new Binding(this, rows);
        _model.Session.RunWithBinding(_runOptions, binding.IoBinding);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var binding in _bindings)
        {
            binding?.Dispose();
        }

        _runOptions.Dispose();
    }

    private static int StateOffset(int rows, int layer, int row) => ((layer * rows) + row) * SileroVadModel.StateWidth;

    /// <summary>Tensors of one batch size over the shared pinned buffers, bound once.</summary>
    private sealed class Binding : IDisposable
    {
        private readonly OrtValue[] _values;

        public Binding(SileroVadInference owner, int rows)
        {
            var stateShape = new long[] { 2, rows, SileroVadModel.StateWidth };
            var memoryInfo = OrtMemoryInfo.DefaultInstance;
            _values = new OrtValue[5];
            try
            {
                _values[0] = OrtValue.CreateTensorValueFromMemory(memoryInfo, owner._input.AsMemory(0, rows * SileroVadModel.InputSamples), [rows, SileroVadModel.InputSamples]);
                _values[1] = OrtValue.CreateTensorValueFromMemory(memoryInfo, owner._state.AsMemory(0, rows * SileroVadModel.StateSize), stateShape);
                _values[2] = OrtValue.CreateTensorValueFromMemory(memoryInfo, owner._sampleRate.AsMemory(), []);
                _values[3] = OrtValue.CreateTensorValueFromMemory(memoryInfo, owner._output.AsMemory(0, rows), [rows, 1]);
                _values[4] = OrtValue.CreateTensorValueFromMemory(memoryInfo, owner._nextState.AsMemory(0, rows * SileroVadModel.StateSize), stateShape);
                IoBinding = owner._model.Session.CreateIoBinding();
                IoBinding.BindInput(SileroVadModel.InputName, _values[0]);
                IoBinding.BindInput(SileroVadModel.StateName, _values[1]);
                IoBinding.BindInput(SileroVadModel.SampleRateName, _values[2]);
                IoBinding.BindOutput(SileroVadModel.OutputName, _values[3]);
                IoBinding.BindOutput(SileroVadModel.StateOutputName, _values[4]);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public OrtIoBinding IoBinding { get; } = null!;

        public void Dispose()
        {
            IoBinding?.Dispose();
            foreach (var value in _values)
            {
                value?.Dispose();
            }
        }
    }
}
