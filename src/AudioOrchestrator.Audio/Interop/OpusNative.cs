using System.Runtime.InteropServices;

namespace AudioOrchestrator.Audio.Interop;

/// <summary>Source-generated bindings to libopus 1.3 (opus.h).</summary>
internal static partial class OpusNative
{
    private const string Library = "libopus.so.0";

    internal const int Ok = 0;
    internal const int SetBitrateRequest = 4002;
    internal const int SetComplexityRequest = 4010;
    internal const int GetComplexityRequest = 4011;
    internal const int GetBitrateRequest = 4003;
    internal const int SetInbandFecRequest = 4012;
    internal const int GetInbandFecRequest = 4013;
    internal const int SetPacketLossPercRequest = 4014;
    internal const int GetPacketLossPercRequest = 4015;

    [LibraryImport(Library, EntryPoint = "opus_encoder_create")]
    internal static partial OpusEncoderHandle EncoderCreate(int sampleRate, int channels, int application, out int error);

    [LibraryImport(Library, EntryPoint = "opus_encoder_destroy")]
    internal static partial void EncoderDestroy(nint encoder);

    [LibraryImport(Library, EntryPoint = "opus_encode")]
    internal static unsafe partial int Encode(OpusEncoderHandle encoder, short* pcm, int frameSize, byte* data, int maxDataBytes);

    /// <summary>
    /// <c>int opus_encoder_ctl(OpusEncoder *st, int request, ...)</c> is variadic. It is bound here with one fixed
    /// <c>int</c> (setters) or pointer (getters) argument. On x86-64 System V (and Windows x64, Linux arm64) variadic
    /// integer/pointer arguments travel in exactly the same registers as fixed ones (rdi, rsi, rdx); the only
    /// difference is that a variadic caller sets %al to an upper bound of vector registers used, which the callee
    /// only uses to decide whether to spill xmm registers, so any value is harmless. Apple arm64 passes variadic
    /// arguments on the stack, so <see cref="OpusEncoder"/> refuses these calls there.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "opus_encoder_ctl")]
    internal static partial int EncoderCtlSet(OpusEncoderHandle encoder, int request, int value);

    /// <inheritdoc cref="EncoderCtlSet"/>
    [LibraryImport(Library, EntryPoint = "opus_encoder_ctl")]
    internal static partial int EncoderCtlGet(OpusEncoderHandle encoder, int request, out int value);

    [LibraryImport(Library, EntryPoint = "opus_decoder_create")]
    internal static partial OpusDecoderHandle DecoderCreate(int sampleRate, int channels, out int error);

    /// <summary>Re-initialises decoder state in place; used for reset instead of the variadic OPUS_RESET_STATE ctl.</summary>
    [LibraryImport(Library, EntryPoint = "opus_decoder_init")]
    internal static partial int DecoderInit(OpusDecoderHandle decoder, int sampleRate, int channels);

    [LibraryImport(Library, EntryPoint = "opus_decoder_destroy")]
    internal static partial void DecoderDestroy(nint decoder);

    [LibraryImport(Library, EntryPoint = "opus_decode")]
    internal static unsafe partial int Decode(OpusDecoderHandle decoder, byte* data, int length, short* pcm, int frameSize, int decodeFec);

    [LibraryImport(Library, EntryPoint = "opus_strerror")]
    internal static partial nint StrError(int error);

    internal static string ErrorText(int error) => Marshal.PtrToStringUTF8(StrError(error)) ?? $"opus error {error}";
}
