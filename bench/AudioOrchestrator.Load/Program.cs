using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Load;

// Load harness (issue 14): simulated Discord users (fake Discord: UDP, transport AEAD, DAVE) and live WebSocket
// speakers against the service in its own process, on loopback. `capacity` (default) ramps concurrently speaking users
// until real time is lost; `soak` holds a load and reports resource growth. One figure per line, the last line is
// one JSON object. `serve` is the child process role (the service under load).
if (args is ["serve", .. var rest])
{
    await ChildProcessTarget.ServeAsync(rest);
    return;
}

var options = LoadOptions.Parse(args);
using var cancel = new CancellationTokenSource(options.Mode == "soak" ? TimeSpan.FromMinutes(options.SoakMinutes + 10) : options.CapacityBudget + TimeSpan.FromMinutes(3));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var clips = await SpeechClips.MakeAsync(cancel.Token);
var figures = options.Mode == "soak"
    ? await SoakRun.RunAsync(options, clips, cancel.Token)
    : await CapacityRun.RunAsync(options, clips, cancel.Token);
foreach (var (name, value) in figures)
{
    Console.WriteLine($"{name} = {value.ToString(CultureInfo.InvariantCulture)}");
}

Console.WriteLine(JsonSerializer.Serialize(figures, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
