using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Persistence.Tests;

/// <summary>The real service on free loopback ports, with the instant tone-based speech doubles and PostgreSQL settings.</summary>
public sealed class TestService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestService(WebApplication app, HttpClient http, int siloPort, int gatewayPort, ConcurrentQueue<string> logs)
    {
        _app = app;
        Logs = logs;
        Http = http;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public ConcurrentQueue<string> Logs { get; }

    /// <summary>Builds the service; the caller starts it (so a test can watch start-up fail).</summary>
    public static WebApplication Build(IDictionary<string, string?> settings, ConcurrentQueue<string>? logs = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var all = new Dictionary<string, string?>
            {
                ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                // The speech doubles "speak" in tones, which Silero rightly does not call speech.
                ["Speaker:VoiceActivityDetector"] = "Energy",
                ["Archive:SqlitePath"] = TestArchive.NewSqlitePath(),
            };
            foreach (var (key, value) in settings)
            {
                all[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(all);
            builder.Logging.ClearProviders();
            if (logs is not null)
            {
                builder.Logging.AddProvider(new QueueLoggerProvider(logs));
            }

            builder.Services.AddSingleton<ISpeechToTextClient>(new ToneSpeechToText());
            builder.Services.AddSingleton<ITextToSpeechClient>(new ToneTextToSpeech());
        });
    }

    public static async Task<TestService> StartAsync(IDictionary<string, string?> settings)
    {
        var logs = new ConcurrentQueue<string>();
        var app = Build(settings, logs);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        var service = new TestService(
            app,
            new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) },
            configuration.GetValue<int>("Cluster:SiloPort"),
            configuration.GetValue<int>("Cluster:GatewayPort"),
            logs);
        return service;
    }

    /// <summary>Settings for a service whose every AdoNet part uses <paramref name="connectionString"/>.</summary>
    public static Dictionary<string, string?> AdoNet(string connectionString, string clusterId, string serviceId, bool clustering = true, bool storage = true) => new()
    {
        ["Cluster:ClusterId"] = clusterId,
        ["Cluster:ServiceId"] = serviceId,
        ["Cluster:Clustering"] = clustering ? "AdoNet" : "Localhost",
        ["Cluster:GrainStorage"] = storage ? "AdoNet" : "Memory",
        ["Cluster:ConnectionString"] = connectionString,
    };

    /// <summary>Asks a spoken question ("echo hello world", as the tone double hears 440 Hz) through the REST API.</summary>
    public async Task<HttpResponseMessage> AskEchoAsync(string sessionId)
    {
        using var content = new ByteArrayContent(WavCodec.Encode(TestAudio.Question(440)));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        return await Http.PostAsync($"/api/v1/sessions/{sessionId}/utterances", content, TestContext.Current.CancellationToken);
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }


    private sealed class QueueLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class QueueLogger(ConcurrentQueue<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)}");
                }
            }
        }
    }
}
