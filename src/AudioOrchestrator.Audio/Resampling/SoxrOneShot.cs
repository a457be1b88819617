using AudioOrchestrator.Audio.Interop;

namespace AudioOrchestrator.Audio;

/// <summary>Whole-buffer resampling with <c>soxr_oneshot</c> (high quality, no dither).</summary>
internal static class SoxrOneShot
{
    internal static unsafe short[] Resample(ReadOnlySpan<short> interleaved, int inputRate, int outputRate, int channels)
    {
        var inputFrames = interleaved.Length / channels;
        if (inputFrames == 0)
        {
            return [];
        }

        var outputFrames = (int)Math.Ceiling(inputFrames * (double)outputRate / inputRate);
        var output = new short[outputFrames * channels];
        var ioSpec = SoxrNative.Int16IoSpec();
        var qualitySpec = SoxrNative.HighQualitySpec();
        nuint written;
        fixed (short* inputPointer = interleaved)
        fixed (short* outputPointer = output)
        {
            var error = SoxrNative.OneShot(
                inputRate,
                outputRate,
                (uint)channels,
                inputPointer,
                (nuint)inputFrames,
                out _,
                outputPointer,
                (nuint)outputFrames,
                out written,
                in ioSpec,
                in qualitySpec,
                0);
            if (SoxrNative.ErrorText(error) is { } message)
            {
                throw new InvalidOperationException($"soxr_oneshot failed: {message}");
            }
        }

        return (int)written == outputFrames ? output : output.AsSpan(0, (int)written * channels).ToArray();
    }
}
