using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Testing.Corpus;

namespace AudioOrchestrator.Audio.Bench;

/// <summary>CPU and segmentation of one corpus condition through the whole pipeline and through the raw stages alone.</summary>
internal sealed record CorpusRun(LabelledCorpus Corpus, double RawCpuSeconds, double PipelineCpuSeconds, CorpusScore Score)
{
    public double AudioSeconds => Corpus.Duration.TotalSeconds;
}

/// <summary>
/// The whole front-end as the SpeakerGrain runs it (<see cref="SpeakerAudioPipeline.PushBatch"/>: rate guard, jitter
/// buffer, silence-frame check, libopus, libsoxr, Silero behind its energy gate, hysteresis, segmenter) against the raw
/// cost of the same packets (libopus decode or concealment of every packet, libsoxr, Silero on every window with the gate
/// off), side by side on one corpus condition, CPU time of the process, best of <c>repetitions</c>.
/// </summary>
internal static class CorpusFrontEndBench
{
    private const int PacketsPerBatch = 5;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static CorpusRun Measure(LabelledCorpus corpus, SileroVadModel model, UtteranceSegmenterOptions segmenter, int repetitions, SileroVadOptions? vad = null)
    {
        var batches = Batches(corpus);
        double raw = double.MaxValue, pipeline = double.MaxValue;
        List<SegmentedUtterance> segments = [];
        for (var repetition = 0; repetition < repetitions; repetition++)
        {
            var cpu = SileroBench.CpuTime();
            Raw(corpus, model);
            raw = Math.Min(raw, (SileroBench.CpuTime() - cpu).TotalSeconds);
            cpu = SileroBench.CpuTime();
            segments = Pipeline(batches, model, segmenter, vad);
            pipeline = Math.Min(pipeline, (SileroBench.CpuTime() - cpu).TotalSeconds);
        }

        return new CorpusRun(corpus, raw, pipeline, CorpusEvaluator.Score(corpus, segments));
    }

    /// <summary>
    /// Discord-style delivery of a corpus whose pauses are digital silence: a client stops sending when its user is
    /// quiet, after five <c>F8 FF FE</c> silence frames, and carries on with the next sequence number when speech
    /// resumes; the SpeakerGrain's gap timer feeds the silence it did not receive. Returns the pipeline's CPU seconds
    /// (best of <paramref name="repetitions"/>), the stream duration it covered and the packets actually sent.
    /// </summary>
    public static (double CpuSeconds, double AudioSeconds, int PacketsSent, CorpusScore Score) MeasureDiscordStyle(LabelledCorpus corpus, SileroVadModel model, UtteranceSegmenterOptions segmenter, int repetitions)
    {
        // Which packets carry only silence (decoded once, untimed).
        var silent = new bool[corpus.Packets.Count];
        using (var decoder = new OpusDecoder(AudioFormat.OpusSampleRate, 1))
        {
            var pcm = new short[decoder.MaxFrameSamples];
            for (var i = 0; i < silent.Length; i++)
            {
                var samples = corpus.Packets[i] is { } packet ? decoder.Decode(packet, pcm) : decoder.Conceal(pcm, 960);
                silent[i] = PcmMath.RmsDbfs(pcm.AsSpan(0, samples)) < -70;
            }
        }

        var silenceFrame = new byte[] { 0xF8, 0xFF, 0xFE };
        var steps = new List<(byte[]? Packet, TimeSpan Gap)>(); // a packet to send, or a gap the timer fills with silence
        for (var i = 0; i < silent.Length;)
        {
            if (!silent[i])
            {
                steps.Add((corpus.Packets[i] ?? silenceFrame, TimeSpan.Zero));
                i++;
                continue;
            }

            var run = 0;
            while (i + run < silent.Length && silent[i + run])
            {
                run++;
            }

            for (var k = 0; k < Math.Min(5, run); k++)
            {
                steps.Add((silenceFrame, TimeSpan.Zero));
            }

            if (run > 5)
            {
                steps.Add((null, LabelledCorpus.PacketDuration * (run - 5)));
            }

            i += run;
        }

        var best = double.MaxValue;
        List<SegmentedUtterance> segments = [];
        for (var repetition = 0; repetition < repetitions; repetition++)
        {
            var cpu = SileroBench.CpuTime();
            segments = [];
            using var pipeline = new SpeakerAudioPipeline(segmenter, new SileroVoiceActivityDetector(model, new SileroVadOptions()), new UtteranceDecoderOptions());
            var single = new byte[1][];
            var sequence = 0L;
            var now = Epoch;
            foreach (var (packet, gap) in steps)
            {
                if (packet is null)
                {
                    pipeline.PushSilence(gap, segments);
                    now += gap;
                    continue;
                }

                single[0] = packet;
                now += LabelledCorpus.PacketDuration;
                pipeline.PushBatch(sequence++, single, now, segments);
            }

            pipeline.Flush(segments);
            best = Math.Min(best, (SileroBench.CpuTime() - cpu).TotalSeconds);
        }

        return (best, corpus.Duration.TotalSeconds, steps.Count(s => s.Packet is not null), CorpusEvaluator.Score(corpus, segments));
    }

    /// <summary>Segments only (no timing), for sweeps of the segmenter options.</summary>
    public static CorpusScore Score(LabelledCorpus corpus, SileroVadModel model, UtteranceSegmenterOptions segmenter, SileroVadOptions? vad = null) =>
        CorpusEvaluator.Score(corpus, Pipeline(Batches(corpus), model, segmenter, vad));

    /// <summary>Arrived packets in batches of up to 5 consecutive ones, a new batch after a loss (as the Discord transport publishes them).</summary>
    private static List<(long First, byte[][] Frames, DateTimeOffset Arrival)> Batches(LabelledCorpus corpus)
    {
        var batches = new List<(long, byte[][], DateTimeOffset)>();
        var current = new List<byte[]>();
        long first = 0;
        for (var i = 0; i <= corpus.Packets.Count; i++)
        {
            var packet = i < corpus.Packets.Count ? corpus.Packets[i] : null;
            if (packet is not null && current.Count == 0)
            {
                first = i;
            }

            if (packet is not null)
            {
                current.Add(packet);
            }

            if ((packet is null || current.Count == PacketsPerBatch) && current.Count > 0)
            {
                batches.Add((first, current.ToArray(), Epoch + (LabelledCorpus.PacketDuration * (first + current.Count))));
                current.Clear();
            }
        }

        return batches;
    }

    private static List<SegmentedUtterance> Pipeline(List<(long First, byte[][] Frames, DateTimeOffset Arrival)> batches, SileroVadModel model, UtteranceSegmenterOptions segmenter, SileroVadOptions? vad)
    {
        var completed = new List<SegmentedUtterance>();
        using var pipeline = new SpeakerAudioPipeline(segmenter, new SileroVoiceActivityDetector(model, vad ?? new SileroVadOptions()), new UtteranceDecoderOptions());
        foreach (var (first, frames, arrival) in batches)
        {
            pipeline.PushBatch(first, frames, arrival, completed);
        }

        pipeline.Flush(completed);
        if (pipeline.RateLimitedFrames > 0)
        {
            throw new InvalidOperationException("The rate guard dropped real-time audio.");
        }

        return completed;
    }

    private static void Raw(LabelledCorpus corpus, SileroVadModel model)
    {
        // As the pipeline does since December 2026: libopus decodes straight to 16 kHz (no libsoxr).
        using var decoder = new OpusDecoder(AudioFormat.SpeechSampleRate, 1);
        using var stream = new SileroVadStream(model, new SileroVadOptions { EnergyGateDbfs = PcmMath.SilenceDbfs });
        var resampled = new short[decoder.MaxFrameSamples];
        var window = new short[SileroVadModel.WindowSamples];
        var buffered = 0;
        foreach (var packet in corpus.Packets)
        {
            var written = packet is null ? decoder.Conceal(resampled, AudioFormat.SamplesPerFrame(AudioFormat.SpeechSampleRate)) : decoder.Decode(packet, resampled);
            for (var i = 0; i < written;)
            {
                var take = Math.Min(written - i, window.Length - buffered);
                resampled.AsSpan(i, take).CopyTo(window.AsSpan(buffered));
                buffered += take;
                i += take;
                if (buffered == window.Length)
                {
                    buffered = 0;
                    stream.Process(window);
                }
            }
        }
    }
}
