using System.Diagnostics;
using System.Globalization;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Load;

/// <summary>The service under load: its HTTP address and its process' gauges.</summary>
internal interface ILoadTarget : IAsyncDisposable
{
    Uri BaseAddress { get; }

    /// <summary>The latest reading of the service process' resources.</summary>
    GaugeReading Gauges();

    /// <summary>The service process' GC pauses overlapping the interval (none in-process: the harness' own watch sees them).</summary>
    IEnumerable<GcPause> GcPauses(DateTime from, DateTime to);
}

/// <summary>The service's configuration for a load run (one silo, co-hosted ingress, on private loopback ports).</summary>
internal static class LoadServiceSettings
{
    public static Dictionary<string, string?> For(IReadOnlyDictionary<string, string?> discord, string archivePath, string? acousticModelPath) => new(discord)
    {
        ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
        ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
        ["Cluster:ServiceId"] = "load-" + Guid.NewGuid().ToString("N")[..8],
        ["Archive:SqlitePath"] = archivePath,
        ["Speaker:VoiceActivityDetector"] = "Silero",
        ["WakeWord:DiscordMode"] = "AlwaysListening",
        ["LiveVoice:MaxSocketsPerProcess"] = "100000",
        ["Discord:Voice:RejoinDelay"] = "00:00:00.100",
        ["Speech:PocketSphinx:AcousticModelPath"] = acousticModelPath,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:AudioOrchestrator.Grains.Output"] = "Information",
        ["Logging:LogLevel:AudioOrchestrator.Ingress.Streams"] = "Information",
    };

    /// <summary>Builds the service with the run's engines (instant doubles unless embedded).</summary>
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings, bool instantEngines) => ServiceApp.Build([], builder =>
    {
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (instantEngines)
        {
            builder.Services.AddSingleton<ISpeechToTextClient, EchoSpeechToText>();
            builder.Services.AddSingleton<ITextToSpeechClient, ToneTextToSpeech>();
        }
    });

    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}

/// <summary>The service in the harness' own process (the scenario test); gauges are the whole process'.</summary>
internal sealed class InProcessTarget(WebApplication app) : ILoadTarget
{
    public Uri BaseAddress { get; } = LoadServiceSettings.AddressOf(app);

    public static async Task<InProcessTarget> StartAsync(IReadOnlyDictionary<string, string?> settings, bool instantEngines)
    {
        var app = LoadServiceSettings.Build(settings, instantEngines);
        await app.StartAsync();
        return new InProcessTarget(app);
    }

    public GaugeReading Gauges() => ProcessGauges.Current();

    public IEnumerable<GcPause> GcPauses(DateTime from, DateTime to) => [];

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>
/// The service in a child process (this program's <c>serve</c> role): its CPU, memory, threads and handles are its own.
/// The child prints its address, then a <see cref="GaugeReading"/> every second, and stops when its standard input closes
/// (so it never outlives the harness).
/// </summary>
internal sealed class ChildProcessTarget : ILoadTarget
{
    private const string PausePrefix = "gcpause ";
    private readonly Process _process;
    private readonly Task _reading;
    private readonly System.Collections.Concurrent.ConcurrentQueue<GcPause> _pauses = new();
    private GaugeReading? _latest;

    private ChildProcessTarget(Process process, Uri address)
    {
        _process = process;
        BaseAddress = address;
        _reading = Task.Run(ReadGaugesAsync);
    }

    public Uri BaseAddress { get; }

    public static async Task<ChildProcessTarget> StartAsync(IReadOnlyDictionary<string, string?> settings, bool instantEngines)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ChildProcessTarget).Assembly.Location);
        }

        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(instantEngines ? "instant" : "embedded");
        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                info.ArgumentList.Add($"{key}={value}");
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("the service process did not start");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the service process exited before listening");
                if (line.StartsWith("address ", StringComparison.Ordinal))
                {
                    return new ChildProcessTarget(process, new Uri(line["address ".Length..]));
                }

                Console.WriteLine("service: " + line);
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>The <c>serve</c> role (in the child): runs the service until standard input closes.</summary>
    public static async Task ServeAsync(IReadOnlyList<string> args)
    {
        var settings = args.Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
        var app = LoadServiceSettings.Build(settings, args[0] == "instant");
        await app.StartAsync();
        Console.WriteLine("address " + LoadServiceSettings.AddressOf(app));
        using var pauses = new GcPauseWatch(p => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{PausePrefix}{p.At.Ticks} {p.Ms:0.000} {p.Generation}")));
        var stdinClosed = Task.Run(() => Console.In.ReadToEnd());
        while (!stdinClosed.IsCompleted)
        {
            Console.WriteLine(ProcessGauges.Current().Format());
            await Task.WhenAny(stdinClosed, Task.Delay(1000));
        }

        await app.StopAsync();
        await app.DisposeAsync();
    }

    public GaugeReading Gauges() => Volatile.Read(ref _latest) ?? throw new InvalidOperationException("no gauge reading from the service yet");

    public IEnumerable<GcPause> GcPauses(DateTime from, DateTime to) => _pauses.Where(p => p.Overlaps(from, to));

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _reading.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            _process.Dispose();
        }
    }

    private async Task ReadGaugesAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (GaugeReading.Parse(line) is { } reading)
            {
                Volatile.Write(ref _latest, reading);
            }
            else if (line.StartsWith(PausePrefix, StringComparison.Ordinal) && line[PausePrefix.Length..].Split(' ') is [var ticks, var ms, var generation])
            {
                _pauses.Enqueue(new GcPause(
                    new DateTime(long.Parse(ticks, CultureInfo.InvariantCulture), DateTimeKind.Utc),
                    double.Parse(ms, CultureInfo.InvariantCulture),
                    int.Parse(generation, CultureInfo.InvariantCulture)));
            }
            else
            {
                Console.WriteLine("service: " + line);
            }
        }
    }
}
