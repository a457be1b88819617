using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing.Corpus;

/// <summary>
/// Makes the labelled speech corpus at test time: utterances of two or three phrase parts spoken by an espeak-ng or
/// flite voice, the parts separated by pauses of 150-450 ms, utterances by 1-2 s of silence; sox pink noise mixed at
/// the condition's SNR (computed on the speech parts); 48 kHz Opus with in-band FEC; packets dropped at the condition's
/// loss rate. Everything is drawn from seeded generators, so a condition always gives the same corpus. Results are
/// cached under <see cref="CacheRoot"/> by a hash of the condition and <see cref="Version"/> (file-locked, so parallel
/// tests and benchmarks share one generation).
/// </summary>
public static class LabelledCorpusGenerator
{
    /// <summary>Bump when generation changes so stale caches are not reused.</summary>
    public const int Version = 2;

    public const int MinPhrasePauseMs = 150;
    public const int MaxPhrasePauseMs = 450;
    public const int MinUtteranceGapMs = 1000;
    public const int MaxUtteranceGapMs = 2000;

    private const int Rate = AudioFormat.SpeechSampleRate;
    private const int Frame48k = 960;

    private static readonly string[] Clauses =
    [
        "turn on the kitchen lights", "and play some quiet jazz", "what is the weather like", "in London tomorrow morning",
        "remind me to call my sister", "at six this evening", "set a timer for ten minutes", "then tell me when it is done",
        "how far is the moon", "from the surface of the earth", "add milk and eggs", "to my shopping list",
        "schedule a meeting with the design team", "for next Tuesday afternoon", "read me the latest news", "about the football results",
        "open the garage door", "but only if nobody is outside", "translate good morning", "into French and Spanish",
        "what time is it", "in Tokyo right now", "play the next episode", "of my favourite podcast",
        "send a message to Alex", "saying I will be late", "how many cups of flour", "do I need for pancakes",
        "dim the bedroom lamp", "to about thirty percent", "who won the chess match", "yesterday evening",
        "book a table for four", "at the Italian place downtown", "summarise the release plan", "that we discussed last week",
        "turn the volume down", "a little bit please", "where did I park the car", "this morning near the station",
    ];

    /// <summary>
    /// The test grid: pink noise at 30, 20 and 10 dB SNR x 0, 2 and 5 % packet loss, each condition with its own
    /// <paramref name="utterancesPerCondition"/> utterances (seeds 100..108), 216 utterances at the default.
    /// </summary>
    public static IReadOnlyList<CorpusCondition> StandardConditions(int utterancesPerCondition = 24)
    {
        var conditions = new List<CorpusCondition>();
        foreach (var snr in new[] { 30.0, 20, 10 })
        {
            foreach (var loss in new[] { 0.0, 2, 5 })
            {
                conditions.Add(new CorpusCondition(snr, loss, utterancesPerCondition, 100 + conditions.Count));
            }
        }

        return conditions;
    }

    /// <summary>Where generated conditions are cached.</summary>
    public static string CacheRoot => Path.Combine(Path.GetTempPath(), "audioorchestrator-corpus");

    /// <summary>The corpus for <paramref name="condition"/>, from the cache or generated (and cached).</summary>
    public static LabelledCorpus Get(CorpusCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var key = Key(condition);
        Directory.CreateDirectory(CacheRoot);
        var path = Path.Combine(CacheRoot, key + ".corpus");
        using var fileLock = CorpusCache.Lock(path + ".lock");
        if (CorpusCache.TryLoad(path, condition) is { } cached)
        {
            return cached;
        }

        var corpus = Generate(condition);
        CorpusCache.Save(path, corpus);
        return corpus;
    }

    /// <summary>Generates without the cache.</summary>
    public static LabelledCorpus Generate(CorpusCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(condition.Utterances);
        if (condition.LossPercent is < 0 or > 50 || double.IsNaN(condition.SnrDb))
        {
            throw new ArgumentOutOfRangeException(nameof(condition), condition, "Loss must be 0-50 % and the SNR a number (or +infinity for no noise).");
        }

        var plans = Plan(condition);
        var speech = Synthesize(plans);
        var (timeline, labels, speechMask) = Assemble(plans, speech);
        if (!double.IsPositiveInfinity(condition.SnrDb))
        {
            MixNoise(timeline, speechMask, condition);
        }

        var packets = Encode(timeline);
        var lost = LossMask(packets.Count, condition);
        return new LabelledCorpus(condition, labels, packets.Select((p, i) => lost[i] ? null : p).ToList());
    }

    /// <summary>Which of <paramref name="packets"/> packets the condition loses: seeded only by the condition, the same in every process.</summary>
    public static bool[] LossMask(int packets, CorpusCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var random = new Random(unchecked((condition.Seed * 7919) + (int)Math.Round(condition.LossPercent * 1000)));
        return [.. Enumerable.Range(0, packets).Select(_ => random.NextDouble() * 100 < condition.LossPercent)];
    }

    private static string Key(CorpusCondition c)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"v{Version}|{c.SnrDb:R}|{c.LossPercent:R}|{c.Utterances}|{c.Seed}");
        return "v" + Version.ToString(CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private sealed record UtterancePlan(CorpusVoice Voice, string[] Parts, int[] PausesMs, int GapAfterMs, double LevelDbfs);

    private static List<UtterancePlan> Plan(CorpusCondition condition)
    {
        var random = new Random(condition.Seed);
        var plans = new List<UtterancePlan>();
        for (var u = 0; u < condition.Utterances; u++)
        {
            var voice = CorpusVoice.All[random.Next(CorpusVoice.All.Count)];
            var parts = Enumerable.Range(0, random.Next(2, 4)).Select(_ => Clauses[random.Next(Clauses.Length)]).ToArray();
            var pauses = parts.Skip(1).Select(_ => random.Next(MinPhrasePauseMs, MaxPhrasePauseMs + 1)).ToArray();
            plans.Add(new UtterancePlan(voice, parts, pauses, random.Next(MinUtteranceGapMs, MaxUtteranceGapMs + 1), -26 + (random.NextDouble() * 8)));
        }

        return plans;
    }

    private static ConcurrentDictionary<(CorpusVoice, string), short[]> Synthesize(List<UtterancePlan> plans)
    {
        var speech = new ConcurrentDictionary<(CorpusVoice, string), short[]>();
        var distinct = plans.SelectMany(p => p.Parts.Select(t => (p.Voice, t))).Distinct().ToList();
        Parallel.ForEach(distinct, new ParallelOptions { MaxDegreeOfParallelism = 2 }, item => speech[item] = item.Voice.Speak(item.t));
        return speech;
    }

    private static (short[] Timeline, List<LabelledUtterance> Labels, bool[] SpeechMask) Assemble(
        List<UtterancePlan> plans, ConcurrentDictionary<(CorpusVoice, string), short[]> speech)
    {
        var samples = new List<short>();
        var mask = new List<bool>();
        var labels = new List<LabelledUtterance>();
        void Silence(int milliseconds)
        {
            var count = milliseconds * Rate / 1000;
            samples.AddRange(new short[count]);
            mask.AddRange(new bool[count]);
        }

        Silence(1000);
        foreach (var (plan, index) in plans.Select((p, i) => (p, i)))
        {
            var parts = plan.Parts.Select(t => speech[(plan.Voice, t)]).ToArray();
            var gain = Math.Pow(10, plan.LevelDbfs / 20) * 32768 / Math.Max(1, ActiveRms(parts));
            var start = samples.Count;
            var pauses = new List<PhrasePause>();
            for (var p = 0; p < parts.Length; p++)
            {
                if (p > 0)
                {
                    var pauseStart = samples.Count;
                    Silence(plan.PausesMs[p - 1]);
                    pauses.Add(new PhrasePause(Time(pauseStart), Time(samples.Count)));
                }

                samples.AddRange(parts[p].Select(s => (short)Math.Clamp(Math.Round(s * gain), short.MinValue, short.MaxValue)));
                mask.AddRange(Enumerable.Repeat(true, parts[p].Length));
            }

            labels.Add(new LabelledUtterance(index, plan.Voice.ToString(), string.Join(" / ", plan.Parts), Time(start), Time(samples.Count), pauses));
            Silence(plan.GapAfterMs);
        }

        Silence(500);
        return ([.. samples], labels, [.. mask]);
    }

    private static double ActiveRms(short[][] parts)
    {
        double sum = 0;
        long count = 0;
        foreach (var part in parts)
        {
            foreach (var s in part)
            {
                sum += (double)s * s;
            }

            count += part.Length;
        }

        return Math.Sqrt(sum / Math.Max(1, count));
    }

    /// <summary>Adds sox pink noise scaled so that speech power / noise power on the speech samples is the SNR.</summary>
    private static void MixNoise(short[] timeline, bool[] speechMask, CorpusCondition condition)
    {
        var noise = SoxNoise();
        var offset = new Random(condition.Seed ^ 0x5EED).Next(noise.Length);
        double speechPower = 0, noisePower = 0;
        long speechCount = 0;
        for (var i = 0; i < timeline.Length; i++)
        {
            if (speechMask[i])
            {
                var n = noise[(i + offset) % noise.Length];
                speechPower += (double)timeline[i] * timeline[i];
                noisePower += (double)n * n;
                speechCount++;
            }
        }

        var gain = Math.Sqrt(speechPower / Math.Max(1, noisePower) / Math.Pow(10, condition.SnrDb / 10));
        for (var i = 0; i < timeline.Length; i++)
        {
            timeline[i] = (short)Math.Clamp(Math.Round(timeline[i] + (noise[(i + offset) % noise.Length] * gain)), short.MinValue, short.MaxValue);
        }
    }

    /// <summary>37 s of pink noise at 16 kHz from <c>sox -R -n ... synth pinknoise</c> (repeatable mode).</summary>
    private static short[] SoxNoise()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corpus-noise-{Guid.NewGuid():N}.wav");
        try
        {
            var arguments = new[] { "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", path, "synth", "37", "pinknoise", "vol", "0.5" };
            using var process = Process.Start(new ProcessStartInfo("sox", arguments) { RedirectStandardError = true, UseShellExecute = false })
                ?? throw new InvalidOperationException("sox did not start (scripts/setup.sh --test installs it).");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"sox failed ({process.ExitCode}): {errors}");
            }

            return WavCodec.Decode(File.ReadAllBytes(path)).Samples;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<byte[]> Encode(short[] timeline16k)
    {
        var pcm48k = new PcmAudio(timeline16k, Rate, 1).ResampleTo(AudioFormat.OpusSampleRate).Samples;
        using var encoder = new OpusEncoder(AudioFormat.OpusSampleRate, 1);
        encoder.InbandFec = true;
        encoder.PacketLossPercent = 10;
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var packets = new List<byte[]>(pcm48k.Length / Frame48k);
        for (var offset = 0; offset + Frame48k <= pcm48k.Length; offset += Frame48k)
        {
            packets.Add(packet.AsSpan(0, encoder.Encode(pcm48k.AsSpan(offset, Frame48k), packet)).ToArray());
        }

        return packets;
    }

    private static TimeSpan Time(int samples) => TimeSpan.FromTicks(samples * TimeSpan.TicksPerSecond / Rate);
}
