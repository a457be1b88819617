using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Dave.Bench;

// DAVE benchmarks: per-frame encryption and decryption of a 20 ms Opus frame, and MLS commit
// processing in a 25-member group. Prints one figure per line; the last line is one JSON object.
var frames = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var figures = new Dictionary<string, double>();
var (encryptUs, decryptUs) = FrameBench.Run(frames);
figures["dave_frame_encrypt_us"] = Math.Round(encryptUs, 3);
figures["dave_frame_decrypt_us"] = Math.Round(decryptUs, 3);
var (processMs, createMs) = CommitBench.Run(members: 25, commits: 20);
figures["mls_commit_process_ms"] = Math.Round(processMs, 2);
figures["mls_commit_create_ms"] = Math.Round(createMs, 2);
foreach (var (name, value) in figures)
{
    Console.WriteLine($"{name} = {value.ToString(CultureInfo.InvariantCulture)}");
}

Console.WriteLine(JsonSerializer.Serialize(figures));
Debug.Assert(figures.Count == 4);
