namespace AudioOrchestrator.Audio;

/// <summary>
/// One detected utterance. Times are positions in the input stream. <paramref name="Samples"/> (mono) run from the
/// pre-roll before <paramref name="SpeechStart"/> up to <paramref name="DecidedAt"/>, i.e. including trailing silence.
/// </summary>
public sealed record SegmentedUtterance(short[] Samples, int SampleRate, TimeSpan SpeechStart, TimeSpan SpeechEnd, TimeSpan DecidedAt)
{
    /// <summary>Stream position of <c>Samples[0]</c>.</summary>
    public TimeSpan AudioStart => DecidedAt - TimeSpan.FromTicks(Samples.LongLength * TimeSpan.TicksPerSecond / SampleRate);

    public PcmAudio ToPcmAudio() => new(Samples, SampleRate, 1);
}
