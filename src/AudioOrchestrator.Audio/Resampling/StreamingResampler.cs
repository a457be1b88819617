using AudioOrchestrator.Audio.Interop;

namespace AudioOrchestrator.Audio;

/// <summary>
/// Streaming sample-rate converter on libsoxr (<c>soxr_create</c>/<c>soxr_process</c>), high quality, interleaved int16
/// in and out. Output lags input by the filter delay; call <see cref="Flush"/> at end of input to drain it.
/// </summary>
public sealed class StreamingResampler : IDisposable
{
    /// <summary>Frames added to the rate-scaled bound to absorb rounding and previously buffered output.</summary>
    private const int OutputSlackFrames = 16;

    private readonly SoxrHandle _handle;
    private bool _flushed;

    public StreamingResampler(int inputRate, int outputRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 32);
        var ioSpec = SoxrNative.Int16IoSpec();
        var qualitySpec = SoxrNative.HighQualitySpec();
        _handle = SoxrNative.Create(inputRate, outputRate, (uint)channels, out var error, in ioSpec, in qualitySpec, 0);
        if (error != 0 || _handle.IsInvalid)
        {
            _handle.Dispose();
            throw new InvalidOperationException($"soxr_create failed: {SoxrNative.ErrorText(error) ?? "no resampler returned"}");
        }

        InputRate = inputRate;
        OutputRate = outputRate;
        Channels = channels;
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    public int Channels { get; }

    /// <summary>Output span size (total interleaved samples) that always suffices for <see cref="Process"/> of <paramref name="inputSamples"/>.</summary>
    public int MaxOutputSamples(int inputSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputSamples);
        var inputFrames = (inputSamples + Channels - 1) / Channels;
        var outputFrames = (long)Math.Ceiling(inputFrames * (double)OutputRate / InputRate) + OutputSlackFrames;
        return checked((int)(outputFrames * Channels));
    }

    /// <summary>Consumes all of <paramref name="input"/>; returns interleaved samples written to <paramref name="output"/>.</summary>
    public unsafe int Process(ReadOnlySpan<short> input, Span<short> output)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_flushed)
        {
            throw new InvalidOperationException("The resampler was flushed; call Reset before processing more input.");
        }

        if (input.Length % Channels != 0)
        {
            throw new ArgumentException($"{input.Length} samples are not a whole number of {Channels}-channel frames.", nameof(input));
        }

        if (input.IsEmpty)
        {
            // soxr treats a NULL input as end-of-input, so there is nothing to call.
            return 0;
        }

        var required = MaxOutputSamples(input.Length);
        if (output.Length < required)
        {
            throw new ArgumentException($"The output buffer holds {output.Length} samples but up to {required} may be produced; size it with MaxOutputSamples.", nameof(output));
        }

        nuint used;
        nuint written;
        fixed (short* inputPointer = input)
        fixed (short* outputPointer = output)
        {
            var error = SoxrNative.Process(
                _handle,
                inputPointer,
                (nuint)(input.Length / Channels),
                out used,
                outputPointer,
                (nuint)(output.Length / Channels),
                out written);
            ThrowIfError(error);
        }

        if ((int)used != input.Length / Channels)
        {
            throw new InvalidOperationException($"soxr consumed {used} of {input.Length / Channels} input frames.");
        }

        return (int)written * Channels;
    }

    /// <summary>Signals end of input and drains buffered output. Call until it returns 0.</summary>
    public unsafe int Flush(Span<short> output)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var frames = output.Length / Channels;
        if (frames == 0)
        {
            throw new ArgumentException("The output buffer cannot hold a single frame.", nameof(output));
        }

        _flushed = true;
        nuint written;
        fixed (short* outputPointer = output)
        {
            var error = SoxrNative.Process(_handle, null, 0, out _, outputPointer, (nuint)frames, out written);
            ThrowIfError(error);
        }

        return (int)written * Channels;
    }

    /// <summary>Discards all state so a new stream can be processed (<c>soxr_clear</c>).</summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        ThrowIfError(SoxrNative.Clear(_handle));
        _flushed = false;
    }

    public void Dispose() => _handle.Dispose();

    private static void ThrowIfError(nint error)
    {
        if (SoxrNative.ErrorText(error) is { } message)
        {
            throw new InvalidOperationException($"libsoxr failed: {message}");
        }
    }
}
