using Microsoft.Win32.SafeHandles;

namespace AudioOrchestrator.Audio.Interop;

/// <summary>Owns a <c>soxr_t</c>.</summary>
internal sealed class SoxrHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SoxrHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        SoxrNative.Delete(handle);
        return true;
    }
}
