using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Discord.Bench;
using AudioOrchestrator.Discord.Voice.Crypto;

// Discord voice benchmarks against the local fake Discord (loopback WebSocket + UDP relay).
// Prints one figure per line; the last line is one JSON object.
// `--only chaos [--minutes N] [--interval-seconds S]` runs the Discord chaos benchmark alone (10 minutes, a disruption
// every ~30 s by default); otherwise the optional first argument is the number of packets of the receive benchmark.
var figures = new Dictionary<string, double>();
if (OptionValue("--only") == "chaos")
{
    var minutes = double.Parse(OptionValue("--minutes") ?? "10", CultureInfo.InvariantCulture);
    var interval = double.Parse(OptionValue("--interval-seconds") ?? "30", CultureInfo.InvariantCulture);
    var chaos = await ChaosBench.RunAsync(TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(interval), BenchSupport.OpusFrames(500));
    figures["chaos_minutes"] = minutes;
    figures["chaos_disruptions"] = chaos.Disruptions;
    figures["chaos_resumed_ratio"] = Math.Round(chaos.ResumedRatio, 4);
    figures["chaos_audio_back_ms_p50"] = Math.Round(chaos.AudioBackP50, 1);
    figures["chaos_audio_back_ms_p95"] = Math.Round(chaos.AudioBackP95, 1);
    figures["chaos_audio_back_ms_max"] = Math.Round(chaos.AudioBackMax, 1);
    figures["chaos_audio_back_ms_p95_session_kept"] = Math.Round(chaos.AudioBackP95KeptSession, 1);
    figures["chaos_audio_never_back"] = chaos.AudioNeverBack;
    figures["chaos_text_fallbacks"] = chaos.TextFallbacks;
    figures["chaos_gateway_resumes"] = chaos.GatewayResumes;
    figures["chaos_new_gateway_sessions"] = chaos.NewGatewaySessions;
    PrintFigures(figures);
    return;
}

var packets = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;

var opus = BenchSupport.OpusFrames(500);
Console.WriteLine($"opus_frame_bytes_mean = {opus.Average(f => f.Length).ToString("0.0", CultureInfo.InvariantCulture)}");

// An untimed first pass takes one-time costs (JIT of the whole path, first native calls) out of both figures.
await ReceiveBench.RunAsync(VoiceEncryptionMode.AeadAes256GcmRtpSize, opus, packets / 10);
var xchacha = await ReceiveBench.RunAsync(VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize, opus, packets);
var aes = await ReceiveBench.RunAsync(VoiceEncryptionMode.AeadAes256GcmRtpSize, opus, packets);
figures["udp_receive_us_per_packet"] = Math.Round(aes, 3);
figures["udp_receive_us_per_packet_aes256gcm"] = Math.Round(aes, 3);
figures["udp_receive_us_per_packet_xchacha20"] = Math.Round(xchacha, 3);

var joins = await JoinBench.RunAsync(joins: 10);
figures["voice_join_ms"] = Math.Round(joins.Median, 1);
figures["voice_join_ms_max"] = Math.Round(joins.Max, 1);

await JitterBench.RunAsync(opus, frames: 100, load: false); // untimed warm-up
var idle = await JitterBench.RunAsync(opus, frames: 500, load: false);
var loaded = await JitterBench.RunAsync(opus, frames: 500, load: true);
figures["send_jitter_ms_p99"] = Math.Round(loaded.SendP99, 3);
figures["send_jitter_ms_p50"] = Math.Round(loaded.SendP50, 3);
figures["send_jitter_ms_max"] = Math.Round(loaded.SendMax, 3);
figures["send_jitter_ms_p99_unloaded"] = Math.Round(idle.SendP99, 3);
figures["arrival_jitter_ms_p99"] = Math.Round(loaded.ArrivalP99, 3);
figures["arrival_jitter_ms_p99_unloaded"] = Math.Round(idle.ArrivalP99, 3);

PrintFigures(figures);

string? OptionValue(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static void PrintFigures(Dictionary<string, double> figures)
{
    foreach (var (name, value) in figures)
    {
        Console.WriteLine($"{name} = {value.ToString(CultureInfo.InvariantCulture)}");
    }

    Console.WriteLine(JsonSerializer.Serialize(figures));
}
