namespace AudioOrchestrator.Audio;

/// <summary>How a speaker's packets are put back in order. Validated by <see cref="Validate"/>.</summary>
public sealed class JitterBufferOptions
{
    /// <summary>Packets a late one may be overtaken by before it is declared lost (3 = 60 ms of reordering).</summary>
    public int ReorderWindow { get; set; } = 3;

    /// <summary>Lost frames beyond this many are not concealed (a long gap is silence, not a smeared vowel).</summary>
    public int MaxConcealedFrames { get; set; } = 5;

    /// <summary>A sequence jump forward larger than this is a new stream: the buffer resynchronises.</summary>
    public int ResyncThreshold { get; set; } = 1000;

    /// <summary>
    /// A packet further behind the playout point than this is not late but a new stream (a client that reconnected and
    /// numbers its packets afresh, possibly just below the old numbers): the buffer resynchronises. Packets are only
    /// ever a few behind when reordered, and a stalled speaker resumes where it stopped, not behind.
    /// </summary>
    public int MaxLatePackets { get; set; } = 50;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ReorderWindow is < 0 or > 50)
        {
            problems.Add($"ReorderWindow must be 0..50 packets, not {ReorderWindow}.");
        }

        if (MaxConcealedFrames is < 0 or > 50)
        {
            problems.Add($"MaxConcealedFrames must be 0..50, not {MaxConcealedFrames}.");
        }

        if (ResyncThreshold <= ReorderWindow || ResyncThreshold > short.MaxValue)
        {
            problems.Add($"ResyncThreshold must be above ReorderWindow and at most {short.MaxValue}, not {ResyncThreshold}.");
        }

        if (MaxLatePackets < ReorderWindow || MaxLatePackets > ResyncThreshold)
        {
            problems.Add($"MaxLatePackets must be from ReorderWindow to ResyncThreshold, not {MaxLatePackets}.");
        }

        return problems;
    }
}
