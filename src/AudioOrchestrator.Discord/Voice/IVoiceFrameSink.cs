using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>Allocation-free consumer of received frames (e.g. a per-speaker jitter buffer feeder).</summary>
public interface IVoiceFrameSink
{
    /// <summary>
    /// One decrypted Opus frame of <paramref name="userId"/>. Called on the UDP receive thread, one call at a time;
    /// <paramref name="opus"/> is only valid during the call.
    /// </summary>
    void OnFrame(ulong userId, RtpHeader header, ReadOnlySpan<byte> opus);
}
