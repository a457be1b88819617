using Microsoft.Win32.SafeHandles;

namespace AudioOrchestrator.Speech.Native;

/// <summary>Owns one reference to a sphinxbase <c>cmd_ln_t</c>.</summary>
internal sealed class SphinxConfigHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SphinxConfigHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        _ = PocketSphinxNative.CmdLnFree(handle);
        return true;
    }
}
