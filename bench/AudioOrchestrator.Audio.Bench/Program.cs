using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Audio.Bench;
using AudioOrchestrator.Testing.Corpus;

// Silero VAD cost per window, alone and batched across speakers, and the raw front-end cost (libopus decode of 48 kHz
// Opus to mono, libsoxr 48k -> 16k, Silero on every window) per speaker-second; then the whole front-end
// (SpeakerAudioPipeline) against the raw stages on the labelled corpus, its segmentation figures and an
// end-of-utterance silence sweep. Single-threaded; CPU time of the process.
// Usage: [--seconds N] [--model path --sha256 hex] [--corpus-utterances N (per condition, 0 = skip)] [--repetitions N] [--live-seconds N (cross-speaker batching run, 0 = skip)].
// The last line is one JSON object.
var seconds = 30;
var corpusUtterances = 24;
var repetitions = 2;
var crossSpeakerSeconds = 8;
double[] gateMargins = [];
var options = new SileroVadOptions();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--model": options.ModelPath = args[i + 1]; break;
        case "--sha256": options.ModelSha256 = args[i + 1]; break;
        case "--corpus-utterances": corpusUtterances = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--repetitions": repetitions = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--live-seconds": crossSpeakerSeconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--gate-margins": gateMargins = [.. args[i + 1].Split(',').Select(m => double.Parse(m, CultureInfo.InvariantCulture))]; break;
        default: throw new ArgumentException($"unknown argument {args[i]}");
    }
}

// The raw figure runs every window through the model, as the reference for the front-end's own cost.
options.EnergyGateDbfs = PcmMath.SilenceDbfs;
using var model = new SileroVadModel(options);
var speech16k = SpeechCorpus.Make(seconds, 16000);
var speech48k = SpeechCorpus.Make(seconds, 48000);
Console.WriteLine($"model {model.ModelPath}; {seconds} s of espeak-ng speech; {Environment.ProcessorCount} CPUs");

var figures = new Dictionary<string, double>();
var windowMs = SileroBench.Unbatched(model, options, speech16k);
Console.WriteLine($"silero unbatched: {windowMs:F4} ms per window");
figures["silero_window_ms"] = Math.Round(windowMs, 4);
foreach (var batch in new[] { 1, 16, 64 })
{
    var perSpeakerWindowMs = SileroBench.Batched(model, options, speech16k, batch);
    Console.WriteLine($"silero batched B={batch}: {perSpeakerWindowMs:F4} ms per speaker-window ({perSpeakerWindowMs * batch:F3} ms per call)");
    figures[$"silero_batched{batch}_ms_per_speaker_window"] = Math.Round(perSpeakerWindowMs, 4);
}

foreach (var batch in new[] { 4, 8 })
{
    var perSpeakerWindowMs = SileroBench.Batched(model, options, speech16k, batch);
    Console.WriteLine($"silero batched B={batch}: {perSpeakerWindowMs:F4} ms per speaker-window ({perSpeakerWindowMs * batch:F3} ms per call)");
    figures[$"silero_batched{batch}_ms_per_speaker_window"] = Math.Round(perSpeakerWindowMs, 4);
}

if (crossSpeakerSeconds > 0)
{
    // Live speakers paced in real time: direct inference per speaker against a silo-wide batcher (closes at 64 windows or 3 ms).
    foreach (var speakers in new[] { 16, 64 })
    {
        var duration = TimeSpan.FromSeconds(crossSpeakerSeconds);
        var direct = CrossSpeakerBatchingBench.Direct(model, options, speech16k, speakers, duration);
        var batched = CrossSpeakerBatchingBench.Batched(model, options, speech16k, speakers, duration, maxBatch: 64, maxDelay: TimeSpan.FromMilliseconds(3));
        Console.WriteLine($"{speakers} live speakers: direct {direct.CpuMsPerWindow:F4} ms CPU per window (latency p50 {direct.LatencyMsP50:F3} / p99 {direct.LatencyMsP99:F3} ms); " +
            $"batched {batched.CpuMsPerWindow:F4} ms CPU per window, mean batch {batched.MeanBatch:F1}, latency p50 {batched.LatencyMsP50:F3} / p99 {batched.LatencyMsP99:F3} ms");
        figures[$"live{speakers}_direct_cpu_ms_per_window"] = Math.Round(direct.CpuMsPerWindow, 4);
        figures[$"live{speakers}_batched_cpu_ms_per_window"] = Math.Round(batched.CpuMsPerWindow, 4);
        figures[$"live{speakers}_batched_mean_batch"] = Math.Round(batched.MeanBatch, 1);
        figures[$"live{speakers}_batched_latency_ms_p99"] = Math.Round(batched.LatencyMsP99, 3);
        figures[$"live{speakers}_direct_latency_ms_p99"] = Math.Round(direct.LatencyMsP99, 3);
    }
}

foreach (var complexity in new[] { 10, 5 })
{
    var (libopus, concentus, factory, factoryKind) = OpusCodecBench.Run(speech48k, complexity);
    Console.WriteLine($"opus per 20 ms frame at complexity {complexity}: libopus encode {libopus.EncodeUs:F1} us / decode {libopus.DecodeUs:F1} us ({libopus.MeanPacketBytes:F0} B); " +
        $"Concentus managed encode {concentus.EncodeUs:F1} us / decode {concentus.DecodeUs:F1} us ({concentus.MeanPacketBytes:F0} B); " +
        $"Concentus factory ({factoryKind}) encode {factory.EncodeUs:F1} us / decode {factory.DecodeUs:F1} us");
    var suffix = complexity == 10 ? "" : $"_c{complexity}";
    figures[$"opus_encode_us_libopus{suffix}"] = Math.Round(libopus.EncodeUs, 1);
    figures[$"opus_decode_us_libopus{suffix}"] = Math.Round(libopus.DecodeUs, 1);
    figures[$"opus_encode_us_concentus{suffix}"] = Math.Round(concentus.EncodeUs, 1);
    figures[$"opus_decode_us_concentus{suffix}"] = Math.Round(concentus.DecodeUs, 1);
    figures[$"opus_encode_ratio_concentus_to_libopus{suffix}"] = Math.Round(concentus.EncodeUs / libopus.EncodeUs, 2);
    figures[$"opus_decode_ratio_concentus_to_libopus{suffix}"] = Math.Round(concentus.DecodeUs / libopus.DecodeUs, 2);
    figures[$"opus_packet_bytes_libopus{suffix}"] = Math.Round(libopus.MeanPacketBytes, 1);
    figures[$"opus_packet_bytes_concentus{suffix}"] = Math.Round(concentus.MeanPacketBytes, 1);
}

var (decodeS, resampleS, sileroS, total) = FrontEndBench.Raw(model, options, speech48k);
Console.WriteLine($"raw front-end per speaker-second: opus decode {decodeS * 1000:F3} ms, soxr 48k->16k {resampleS * 1000:F3} ms, silero {sileroS * 1000:F3} ms, total {total * 1000:F3} ms of CPU");
figures["frontend_raw_cpu_ms_per_speaker_second"] = Math.Round(total * 1000, 3);
figures["frontend_raw_speaker_seconds_per_cpu_second"] = Math.Round(1 / total, 1);
figures["frontend_raw_batched64_speaker_seconds_per_cpu_second"] =
    Math.Round(1 / (decodeS + resampleS + (figures["silero_batched64_ms_per_speaker_window"] * 16000 / SileroVadModel.WindowSamples / 1000)), 1);
if (corpusUtterances > 0)
{
    CorpusFigures(figures);
}

foreach (var (name, value) in figures)
{
    Console.WriteLine($"{name} = {value.ToString(CultureInfo.InvariantCulture)}");
}

Console.WriteLine(JsonSerializer.Serialize(figures));

void CorpusFigures(Dictionary<string, double> figures)
{
    using var corpusModel = new SileroVadModel(new SileroVadOptions { ModelPath = options.ModelPath, ModelSha256 = options.ModelSha256 });
    var defaults = new UtteranceSegmenterOptions();
    var noisy = LabelledCorpusGenerator.StandardConditions(corpusUtterances).Select(LabelledCorpusGenerator.Get).ToList();
    var clean = LabelledCorpusGenerator.Get(new CorpusCondition(double.PositiveInfinity, 0, corpusUtterances, 200));

    // Warm-up (JIT, ONNX Runtime) on the clean condition, then the measured runs.
    CorpusFrontEndBench.Measure(clean, corpusModel, defaults, repetitions: 1);
    var runs = noisy.Select(corpus =>
    {
        var run = CorpusFrontEndBench.Measure(corpus, corpusModel, defaults, repetitions);
        Console.WriteLine($"corpus {corpus.Condition}: {run.AudioSeconds:F0} s; raw {run.RawCpuSeconds * 1000 / run.AudioSeconds:F3} ms, pipeline {run.PipelineCpuSeconds * 1000 / run.AudioSeconds:F3} ms CPU per speaker-second; {run.Score}");
        return run;
    }).ToList();
    var cleanRun = CorpusFrontEndBench.Measure(clean, corpusModel, defaults, repetitions);
    Console.WriteLine($"corpus {clean.Condition}: {cleanRun.AudioSeconds:F0} s; raw {cleanRun.RawCpuSeconds * 1000 / cleanRun.AudioSeconds:F3} ms, pipeline {cleanRun.PipelineCpuSeconds * 1000 / cleanRun.AudioSeconds:F3} ms CPU per speaker-second; {cleanRun.Score}");

    var discord = CorpusFrontEndBench.MeasureDiscordStyle(clean, corpusModel, defaults, repetitions);
    Console.WriteLine($"corpus {clean.Condition}, Discord-style (no packets in silence after 5 silence frames): {discord.AudioSeconds:F0} s of stream, {discord.PacketsSent} of {clean.Packets.Count} packets sent; " +
        $"pipeline {discord.CpuSeconds * 1000 / discord.AudioSeconds:F3} ms CPU per speaker-second; {discord.Score}");
    figures["frontend_speaker_seconds_per_cpu_second_discord_style"] = Math.Round(discord.AudioSeconds / discord.CpuSeconds, 1);

    var audio = runs.Sum(r => r.AudioSeconds);
    var raw = runs.Sum(r => r.RawCpuSeconds);
    var pipeline = runs.Sum(r => r.PipelineCpuSeconds);
    var outcomes = runs.SelectMany(r => r.Score.Outcomes).ToList();
    var all = new CorpusScore(outcomes, runs.Sum(r => r.Score.MergedSegments), runs.Sum(r => r.Score.SpuriousSegments));
    Console.WriteLine($"noisy corpus, all 9 conditions, {audio:F0} s: {all}");
    figures["corpus_utterances"] = all.Utterances;
    figures["corpus_audio_seconds"] = Math.Round(audio, 1);
    figures["frontend_raw_corpus_cpu_ms_per_speaker_second"] = Math.Round(raw * 1000 / audio, 3);
    figures["frontend_cpu_ms_per_speaker_second"] = Math.Round(pipeline * 1000 / audio, 3);
    figures["frontend_cpu_ratio"] = Math.Round(pipeline / raw, 3);
    figures["frontend_speaker_seconds_per_cpu_second_noisy"] = Math.Round(audio / pipeline, 1);
    figures["frontend_cpu_ratio_clean"] = Math.Round(cleanRun.PipelineCpuSeconds / cleanRun.RawCpuSeconds, 3);
    figures["frontend_speaker_seconds_per_cpu_second"] = Math.Round(cleanRun.AudioSeconds / cleanRun.PipelineCpuSeconds, 1);
    figures["eou_delay_ms_p50"] = Math.Round(all.EouDelayMsPercentile(50), 1);
    figures["eou_delay_ms_p95"] = Math.Round(all.EouDelayMsPercentile(95), 1);
    figures["false_cutoff_rate"] = Math.Round(all.FalseCutoffRate, 4);
    figures["missed_utterances"] = all.Missed;
    figures["merged_segments"] = all.MergedSegments;
    figures["spurious_segments"] = all.SpuriousSegments;
    figures["speech_start_error_ms_p95"] = Math.Round(CorpusScore.Percentile(all.Clean.Select(o => Math.Abs(o.SpeechStartError!.Value.TotalMilliseconds)), 95), 1);
    figures["speech_end_error_ms_p95"] = Math.Round(CorpusScore.Percentile(all.Clean.Select(o => Math.Abs(o.SpeechEndError!.Value.TotalMilliseconds)), 95), 1);
    foreach (var snr in new[] { 30.0, 20, 10 })
    {
        var outcomesAtSnr = runs.Where(r => r.Corpus.Condition.SnrDb == snr).SelectMany(r => r.Score.Outcomes).ToList();
        figures[$"false_cutoff_rate_snr{snr:0}"] = Math.Round((double)outcomesAtSnr.Count(o => o.Segments >= 2) / outcomesAtSnr.Count, 4);
    }

    // Adaptive energy gate sweep: skipping windows near the speaker's noise floor, and what it does to segmentation.
    foreach (var margin in gateMargins)
    {
        var vad = new SileroVadOptions { ModelPath = options.ModelPath, ModelSha256 = options.ModelSha256, AdaptiveGateMarginDb = margin };
        var gated = noisy.Select(corpus => CorpusFrontEndBench.Measure(corpus, corpusModel, defaults, 1, vad)).ToList();
        var gatedScore = new CorpusScore(gated.SelectMany(r => r.Score.Outcomes).ToList(), gated.Sum(r => r.Score.MergedSegments), gated.Sum(r => r.Score.SpuriousSegments));
        var gatedAudio = gated.Sum(r => r.AudioSeconds);
        Console.WriteLine($"AdaptiveGateMarginDb {margin}: {gatedAudio / gated.Sum(r => r.PipelineCpuSeconds):F1} speaker-s per CPU-s, ratio {gated.Sum(r => r.PipelineCpuSeconds) / gated.Sum(r => r.RawCpuSeconds):F3}; {gatedScore}; " +
            $"start err p95 {CorpusScore.Percentile(gatedScore.Clean.Select(o => Math.Abs(o.SpeechStartError!.Value.TotalMilliseconds)), 95):F0} ms, end err p95 {CorpusScore.Percentile(gatedScore.Clean.Select(o => Math.Abs(o.SpeechEndError!.Value.TotalMilliseconds)), 95):F0} ms");
        foreach (var snr in new[] { 30.0, 20, 10 })
        {
            var atSnr = gated.Where(r => r.Corpus.Condition.SnrDb == snr).SelectMany(r => r.Score.Outcomes).ToList();
            Console.WriteLine($"  {snr} dB: {atSnr.Count(o => o.Segments >= 2)} split, {atSnr.Count(o => o.Segments == 0)} missed");
        }

        figures[$"sweep_gate{margin:0}_speaker_seconds_per_cpu_second"] = Math.Round(gatedAudio / gated.Sum(r => r.PipelineCpuSeconds), 1);
        figures[$"sweep_gate{margin:0}_false_cutoff_rate"] = Math.Round(gatedScore.FalseCutoffRate, 4);
    }

    // End-of-utterance silence sweep: the trade between cutting inside 150-450 ms phrase pauses and answering sooner.
    foreach (var silence in new[] { 300, 350, 400, 450, 500, 550, 600 })
    {
        var swept = new UtteranceSegmenterOptions { EndOfUtteranceSilenceMs = silence };
        var scores = noisy.Select(corpus => CorpusFrontEndBench.Score(corpus, corpusModel, swept)).ToList();
        var sweep = new CorpusScore(scores.SelectMany(s => s.Outcomes).ToList(), scores.Sum(s => s.MergedSegments), scores.Sum(s => s.SpuriousSegments));
        Console.WriteLine($"EndOfUtteranceSilenceMs {silence}: {sweep}");
        figures[$"sweep_eou{silence}_false_cutoff_rate"] = Math.Round(sweep.FalseCutoffRate, 4);
        figures[$"sweep_eou{silence}_eou_delay_ms_p50"] = Math.Round(sweep.EouDelayMsPercentile(50), 1);
    }
}
