using System.Net;
using System.Net.Sockets;
using AudioOrchestrator.Silo.CommandLine;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Speech;

if (NewApiKeyCommand.TryParse(args, out var newKey, out var newKeyError))
{
    // Prints a key and its configuration; nothing is started.
    if (newKey is null)
    {
        Console.Error.WriteLine($"error: {newKeyError}");
        return 2;
    }

    return newKey.Run(Console.Out);
}

if (EnrolVoiceCommand.TryParse(args, out var enrol, out var enrolError))
{
    if (enrol is null)
    {
        Console.Error.WriteLine($"error: {enrolError}");
        return 2;
    }

    // Enrolment needs the speech services only (configured exactly as the service's): no silo, no web listener.
    var enrolHost = Host.CreateApplicationBuilder();
    enrolHost.Logging.SetMinimumLevel(LogLevel.Warning);
    enrolHost.Services.AddSpeechEngines(enrolHost.Configuration).AddSpeakerAdaptation();
    using var provider = enrolHost.Build();
    return await enrol.RunAsync(provider.Services, Console.Out, Console.Error, CancellationToken.None);
}

if (AnswerFileCommand.TryParse(args, out var command, out var remaining))
{
    // One-shot mode: a private silo on free ports, no web listener in anyone's way.
    var app = ServiceApp.Build(remaining, builder =>
    {
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
    });
    await app.StartAsync();
    var exitCode = await command!.RunAsync(app.Services, Console.Out, Console.Error, CancellationToken.None);
    await app.StopAsync();
    return exitCode;
}

await ServiceApp.Build(args).RunAsync();
return 0;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>The service's entry point (public for tests).</summary>
public partial class Program;
