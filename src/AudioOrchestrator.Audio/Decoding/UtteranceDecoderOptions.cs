namespace AudioOrchestrator.Audio;

/// <summary>
/// Packet handling in front of the decoder (<see cref="UtteranceDecoder"/>, <see cref="InputRateGuard"/>): the jitter
/// buffer and the rate guard for live input. Check with <see cref="Validate"/>.
/// </summary>
public sealed class UtteranceDecoderOptions
{
    /// <summary>Reorder window, concealment bound and resynchronisation of the per-speaker jitter buffer.</summary>
    public JitterBufferOptions Jitter { get; set; } = new();

    /// <summary>
    /// Live input only: audio a speaker may send ahead of real time (a burst after a network stall) before packets are
    /// dropped, oldest first. 1000 ms = 50 packets.
    /// </summary>
    public int MaxBurstMs { get; set; } = 1000;

    /// <summary>Live input only: how much faster than real time audio may arrive on average (clock drift headroom).</summary>
    public double MaxRealTimeFactor { get; set; } = 1.1;

    /// <summary>Consecutive corrupt packets after which the Opus decoder is reset (its state may be garbage by then).</summary>
    public int CorruptPacketsBeforeReset { get; set; } = 3;

    /// <summary>Returns every problem found; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Jitter is null)
        {
            problems.Add($"{nameof(Jitter)} is required.");
        }
        else
        {
            problems.AddRange(Jitter.Validate().Select(p => $"{nameof(Jitter)}: {p}"));
        }

        if (MaxBurstMs is < AudioFormat.FrameMilliseconds or > 60_000)
        {
            problems.Add($"{nameof(MaxBurstMs)} must be between {AudioFormat.FrameMilliseconds} and 60000 ms (was {MaxBurstMs}).");
        }

        if (double.IsNaN(MaxRealTimeFactor) || MaxRealTimeFactor is < 1 or > 100)
        {
            problems.Add($"{nameof(MaxRealTimeFactor)} must be between 1 and 100 (was {MaxRealTimeFactor}).");
        }

        if (CorruptPacketsBeforeReset is < 1 or > 1000)
        {
            problems.Add($"{nameof(CorruptPacketsBeforeReset)} must be between 1 and 1000 (was {CorruptPacketsBeforeReset}).");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid speaker front-end options: " + string.Join(" ", problems));
        }
    }
}
