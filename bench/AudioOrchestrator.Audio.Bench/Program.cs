using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Audio.Bench;

// Silero VAD cost per window, alone and batched across speakers, and the raw front-end cost (libopus decode of 48 kHz
// Opus to mono, libsoxr 48k -> 16k, Silero on every window) per speaker-second. Single-threaded; CPU time of the
// process. Usage: [--seconds N] [--model path --sha256 hex]. The last line is one JSON object.
var seconds = 30;
var options = new SileroVadOptions();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--model": options.ModelPath = args[i + 1]; break;
        case "--sha256": options.ModelSha256 = args[i + 1]; break;
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

var (decodeS, resampleS, sileroS, total) = FrontEndBench.Raw(model, options, speech48k);
Console.WriteLine($"raw front-end per speaker-second: opus decode {decodeS * 1000:F3} ms, soxr 48k->16k {resampleS * 1000:F3} ms, silero {sileroS * 1000:F3} ms, total {total * 1000:F3} ms of CPU");
figures["frontend_raw_cpu_ms_per_speaker_second"] = Math.Round(total * 1000, 3);
figures["frontend_raw_speaker_seconds_per_cpu_second"] = Math.Round(1 / total, 1);
figures["frontend_raw_batched64_speaker_seconds_per_cpu_second"] =
    Math.Round(1 / (decodeS + resampleS + (figures["silero_batched64_ms_per_speaker_window"] * 16000 / SileroVadModel.WindowSamples / 1000)), 1);
foreach (var (name, value) in figures)
{
    Console.WriteLine($"{name} = {value.ToString(CultureInfo.InvariantCulture)}");
}

Console.WriteLine(JsonSerializer.Serialize(figures));
