using Microsoft.Win32.SafeHandles;

namespace AudioOrchestrator.Speech.Native;

/// <summary>Owns a pocketsphinx <c>ps_decoder_t</c>.</summary>
internal sealed class PocketSphinxDecoderHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public PocketSphinxDecoderHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        _ = PocketSphinxNative.PsFree(handle);
        return true;
    }
}
