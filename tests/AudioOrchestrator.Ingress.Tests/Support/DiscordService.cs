using System.Globalization;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Ingress.Tests.Support;

/// <summary>
/// The real service (co-hosted silo, ingress with the Discord transport, REST) on free loopback ports, connected to
/// a <see cref="FakeDiscord"/>. Speech engines: real pocketsphinx (espeak-enrolled model) and espeak-ng, or the
/// instant tone doubles with the energy detector.
/// </summary>
public sealed class DiscordService : IAsyncDisposable
{
    /// <summary>
    /// espeak-ng is process-global native state: terminating it and initialising it again in the same process hangs
    /// in <c>espeak_Terminate</c>. The real-engine services of this test process therefore share one client that is
    /// never disposed (the process exit releases it); registered as an instance (for both service types), the container
    /// does not dispose it.
    /// </summary>
    private static readonly Lazy<EspeakTextToSpeechClient> SharedEspeak = new(() => new EspeakTextToSpeechClient(
        Microsoft.Extensions.Options.Options.Create(new EspeakOptions { Voice = "en-us", RateWordsPerMinute = 175 }),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<EspeakTextToSpeechClient>.Instance));

    private readonly WebApplication _app;

    private DiscordService(WebApplication app, FakeDiscord discord, CapturedLogs logs, HttpClient http)
    {
        _app = app;
        Discord = discord;
        Logs = logs;
        Http = http;
    }

    public FakeDiscord Discord { get; }

    public CapturedLogs Logs { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public GuildVoiceManager Voice => Services.GetRequiredService<GuildVoiceManager>();

    public DiscordIngressMetrics Metrics => Services.GetRequiredService<DiscordIngressMetrics>();

    /// <param name="guilds">The fake Discord's guilds.</param>
    /// <param name="toneEngines">Tone doubles instead of pocketsphinx and espeak-ng.</param>
    /// <param name="settings">Configuration on top.</param>
    /// <param name="discord">Connect the Discord transport.</param>
    /// <param name="cloudSpeech">The configured speech chains (e.g. cloud engines in <paramref name="settings"/>) stay the
    /// default engines; the shared espeak-ng client is the embedded text-to-speech behind them.</param>
    /// <param name="gatewayHeartbeatMs">The fake gateway's heartbeat interval (Hello).</param>
    public static async Task<DiscordService> StartAsync(IReadOnlyList<ulong> guilds, bool toneEngines, IDictionary<string, string?>? settings = null, bool discord = true, bool cloudSpeech = false, int gatewayHeartbeatMs = 5000)
    {
        var fake = await FakeDiscord.StartAsync(guilds, gatewayHeartbeatMs);
        var logs = new CapturedLogs();
        var configuration = new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Discord:Voice:RejoinDelay"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Debug",
            ["Archive:SqlitePath"] = TestArchive.NewSqlitePath(),
        };
        if (discord)
        {
            foreach (var (key, value) in fake.ClientConfiguration())
            {
                configuration[key] = value;
            }
        }

        if (toneEngines)
        {
            configuration["Speaker:VoiceActivityDetector"] = "Energy";

            // Tones carry no wake phrase: the tone sessions answer everything they hear.
            configuration["WakeWord:DiscordMode"] = "AlwaysListening";
        }
        else
        {
            configuration["Speech:PocketSphinx:AcousticModelPath"] = await EspeakVoiceEnrolment.GetModelAsync(CancellationToken.None);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            if (toneEngines)
            {
                builder.Services.AddSingleton<ISpeechToTextClient, ToneSpeechToText>();
                builder.Services.AddSingleton<ITextToSpeechClient, ToneTextToSpeech>();
            }
            else if (cloudSpeech)
            {
                builder.Services.AddSingleton(SharedEspeak.Value);
                builder.Services.AddKeyedSingleton<ITextToSpeechClient>(SpeechEngineKind.Embedded, SharedEspeak.Value);
            }
            else
            {
                builder.Services.AddSingleton(SharedEspeak.Value);
                builder.Services.AddSingleton<ITextToSpeechClient>(SharedEspeak.Value);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        var service = new DiscordService(app, fake, logs, http);
        if (discord)
        {
            await TestWait.UntilAsync(() => guilds.All(service.Voice.IsKnownGuild), "the service sees every guild");
        }

        return service;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Discord.DisposeAsync();
    }
}
