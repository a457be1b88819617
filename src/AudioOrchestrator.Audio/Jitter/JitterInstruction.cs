namespace AudioOrchestrator.Audio;

/// <summary>What to do next to produce audio, in playback order.</summary>
public enum JitterAction
{
    /// <summary>Decode <see cref="JitterInstruction.Payload"/> normally.</summary>
    Decode,

    /// <summary>The frame before <see cref="JitterInstruction.Payload"/> was lost: recover it from that packet's in-band FEC.</summary>
    RecoverWithFec,

    /// <summary>A frame was lost with nothing to recover it from: conceal it (PLC).</summary>
    Conceal,
}

/// <summary>One step of playback; <paramref name="Sequence"/> is the RTP sequence number of the frame it produces.</summary>
public readonly record struct JitterInstruction(JitterAction Action, ushort Sequence, ReadOnlyMemory<byte> Payload);

/// <summary>Counters of what the buffer saw; all only grow.</summary>
public sealed record JitterStatistics(long Received, long Duplicates, long Late, long Lost, long Recovered, long Concealed, long Resyncs);
