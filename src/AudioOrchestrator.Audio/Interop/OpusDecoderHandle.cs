using Microsoft.Win32.SafeHandles;

namespace AudioOrchestrator.Audio.Interop;

/// <summary>Owns an <c>OpusDecoder*</c>.</summary>
internal sealed class OpusDecoderHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OpusDecoderHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        OpusNative.DecoderDestroy(handle);
        return true;
    }
}
