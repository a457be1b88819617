using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Bench;

/// <summary>Wake spotting latency and accuracy on espeak-ng speech, fed to the real spotter 20 ms at a time as live audio arrives.</summary>
/// <param name="LatenciesMs">Per detected wake utterance: end of the wake phrase to the detection being available.</param>
/// <param name="Missed">Wake utterances without a detection.</param>
/// <param name="FalseDetections">Utterances without a wake phrase in which one was detected.</param>
/// <param name="CpuMsPerAudioSecond">Spotting time per second of audio fed.</param>
public sealed record WakeFigures(IReadOnlyList<double> LatenciesMs, int Missed, int FalseDetections, double CpuMsPerAudioSecond);

public static class WakeProbe
{
    private const int FrameSamples = 320;

    /// <summary>
    /// Each wake utterance is "hey orchestrator" (trailing silence trimmed, so its end is known to the sample), a pause of
    /// 0-300 ms and a command, all espeak-ng en-us. Latency = audio position of the frame after which the spotter reported
    /// the phrase minus the phrase's end, plus the wall time spent on that frame (the frame is complete only when its last
    /// sample has arrived, so this is what a live listener waits).
    /// </summary>
    public static async Task<WakeFigures> MeasureAsync(string acousticModelPath, CancellationToken ct)
    {
        using var spotter = new PocketSphinxWakePhraseSpotter(
            Options.Create(new PocketSphinxOptions { AcousticModelPath = acousticModelPath }),
            Options.Create(new WakePhraseSpotterOptions()),
            new StaticSpeechVocabularySource(new SpeechVocabulary([], ["hey orchestrator"], new Dictionary<string, string> { ["orchestrator"] = "AO R K AH S T R EY T ER" })),
            NullLogger<PocketSphinxWakePhraseSpotter>.Instance);
        string[] phrases = ["hey orchestrator"];
        var wake = Trim(await SpeakAsync("hey orchestrator", ct));
        string[] commands = ["echo good morning", "what time is it", "help", "echo hello world", "tell me the time", "echo see you next week"];
        int[] pausesMs = [0, 100, 300];
        var latencies = new List<double>();
        var missed = 0;
        long spottingTicks = 0;
        long fedSamples = 0;
        foreach (var command in commands)
        {
            var commandAudio = await SpeakAsync(command, ct);
            foreach (var pause in pausesMs)
            {
                var audio = TestAudio.Concat(TestAudio.Silence(300), wake, TestAudio.Silence(pause), commandAudio, TestAudio.Silence(300)).Samples;
                var wakeEnd = (300 * 16) + wake.Samples.Length;
                var (position, frameMs, ticks) = Feed(spotter, phrases, audio);
                spottingTicks += ticks;
                fedSamples += Math.Min(audio.Length, position ?? audio.Length);
                if (position is { } at)
                {
                    latencies.Add(((at - wakeEnd) / 16.0) + frameMs);
                }
                else
                {
                    missed++;
                }
            }
        }

        var falseDetections = 0;
        foreach (var other in new[] { "echo hello world", "what time is it", "the orchestra played all night", "hey there how are you", "help me", "say good night" })
        {
            var audio = TestAudio.Concat(TestAudio.Silence(300), await SpeakAsync(other, ct), TestAudio.Silence(300)).Samples;
            var (position, _, ticks) = Feed(spotter, phrases, audio);
            spottingTicks += ticks;
            fedSamples += audio.Length;
            falseDetections += position is null ? 0 : 1;
        }

        var cpuMs = spottingTicks * 1000.0 / Stopwatch.Frequency;
        return new WakeFigures(latencies, missed, falseDetections, cpuMs / (fedSamples / 16000.0));
    }

    /// <summary>Feeds 20 ms frames; returns the sample position after the detecting frame, that frame's processing time, and all ticks spent.</summary>
    private static (int? Position, double FrameMs, long Ticks) Feed(PocketSphinxWakePhraseSpotter spotter, string[] phrases, short[] audio)
    {
        using var spotting = spotter.Start(phrases) ?? throw new InvalidOperationException("no spotting decoder");
        long total = 0;
        for (var offset = 0; offset < audio.Length; offset += FrameSamples)
        {
            var count = Math.Min(FrameSamples, audio.Length - offset);
            var started = Stopwatch.GetTimestamp();
            var spot = spotting.Process(audio.AsSpan(offset, count));
            var spent = Stopwatch.GetTimestamp() - started;
            total += spent;
            if (spot is not null)
            {
                return (offset + count, spent * 1000.0 / Stopwatch.Frequency, total);
            }
        }

        return (null, 0, total);
    }

    /// <summary>
    /// espeak-ng en-us through its command line: the in-process engine has process-global state, which the service
    /// started by the next benchmark section owns.
    /// </summary>
    private static async Task<PcmAudio> SpeakAsync(string text, CancellationToken ct) =>
        WavCodec.Decode(await EspeakCli.SayAsync(text, ct)).ToMono().ResampleTo(16000);

    /// <summary>Cuts leading and trailing 10 ms blocks quieter than -45 dBFS.</summary>
    private static PcmAudio Trim(PcmAudio audio)
    {
        const int block = 160;
        var samples = audio.Samples;
        var first = 0;
        while (first + block <= samples.Length && PcmMath.RmsDbfs(samples.AsSpan(first, block)) < -45)
        {
            first += block;
        }

        var last = samples.Length;
        while (last - block > first && PcmMath.RmsDbfs(samples.AsSpan(last - block, block)) < -45)
        {
            last -= block;
        }

        return new PcmAudio(samples[first..last], 16000, 1);
    }
}
