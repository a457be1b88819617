using System.Runtime.InteropServices;

namespace AudioOrchestrator.Audio.Interop;

/// <summary>Source-generated bindings to libsoxr 0.1 (soxr.h).</summary>
internal static unsafe partial class SoxrNative
{
    private const string Library = "libsoxr.so.0";

    /// <summary><c>SOXR_INT16_I</c>: interleaved signed 16-bit.</summary>
    internal const int Int16Interleaved = 3;

    /// <summary><c>SOXR_NO_DITHER</c>: deterministic rounding to int16 instead of TPDF dither.</summary>
    internal const uint NoDither = 8;

    /// <summary><c>SOXR_HQ</c> (= SOXR_20_BITQ) quality recipe.</summary>
    internal const uint HighQuality = 4;

    [LibraryImport(Library, EntryPoint = "soxr_create")]
    internal static partial SoxrHandle Create(
        double inputRate,
        double outputRate,
        uint channels,
        out nint error,
        in SoxrIoSpec ioSpec,
        in SoxrQualitySpec qualitySpec,
        nint runtimeSpec);

    [LibraryImport(Library, EntryPoint = "soxr_process")]
    internal static partial nint Process(
        SoxrHandle resampler,
        short* input,
        nuint inputFrames,
        out nuint inputFramesUsed,
        short* output,
        nuint outputFrames,
        out nuint outputFramesWritten);

    [LibraryImport(Library, EntryPoint = "soxr_oneshot")]
    internal static partial nint OneShot(
        double inputRate,
        double outputRate,
        uint channels,
        short* input,
        nuint inputFrames,
        out nuint inputFramesUsed,
        short* output,
        nuint outputFrames,
        out nuint outputFramesWritten,
        in SoxrIoSpec ioSpec,
        in SoxrQualitySpec qualitySpec,
        nint runtimeSpec);

    [LibraryImport(Library, EntryPoint = "soxr_clear")]
    internal static partial nint Clear(SoxrHandle resampler);

    [LibraryImport(Library, EntryPoint = "soxr_delete")]
    internal static partial void Delete(nint resampler);

    /// <summary><c>soxr_quality_spec_t soxr_quality_spec(unsigned long recipe, unsigned long flags)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "soxr_quality_spec")]
    internal static partial SoxrQualitySpec QualitySpec(CULong recipe, CULong flags);

    /// <summary>soxr_error_t is a static C string or NULL.</summary>
    internal static string? ErrorText(nint error) => error == 0 ? null : Marshal.PtrToStringUTF8(error) ?? "unknown soxr error";

    internal static SoxrQualitySpec HighQualitySpec() => QualitySpec(new CULong(HighQuality), new CULong(0));

    internal static SoxrIoSpec Int16IoSpec() => new()
    {
        InputType = Int16Interleaved,
        OutputType = Int16Interleaved,
        Scale = 1.0,
        Extra = 0,
        Flags = new CULong(NoDither),
    };
}

/// <summary>Layout of <c>struct soxr_io_spec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SoxrIoSpec
{
    public int InputType;
    public int OutputType;
    public double Scale;
    public nint Extra;
    public CULong Flags;
}

/// <summary>Layout of <c>struct soxr_quality_spec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SoxrQualitySpec
{
    public double Precision;
    public double PhaseResponse;
    public double PassbandEnd;
    public double StopbandBegin;
    public nint Extra;
    public CULong Flags;
}
