using AudioOrchestrator.Grains;
using AudioOrchestrator.Ingress;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>
/// A one-silo in-process cluster running the real grains, audio-in channel and audio-out relays, with instant tone-based speech engines;
/// the test process is an Orleans client that uses the real ingress classes, like a separate ingress process.
/// </summary>
public class PipelineCluster : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IServiceProvider ClientServices => Cluster.Client.ServiceProvider;

    public IClusterClient Client => Cluster.Client;

    /// <summary>Opens the session of a Discord guild as the Discord transport does, and returns its id.</summary>
    public async Task<string> OpenGuildSessionAsync(ulong guildId)
    {
        await Ingress.Discord.DiscordSessions.OpenAsync(Client, guildId, CancellationToken.None);
        return Ingress.Discord.DiscordSessions.SessionId(guildId);
    }

    /// <summary>The silo's speech-to-text double (its <see cref="ToneSpeechToText.Calls"/> shows what was transcribed).</summary>
    public ToneSpeechToText SpeechToText { get; } = new(Phrases) { Delays = new Dictionary<int, TimeSpan> { [SlowHz] = TimeSpan.FromMilliseconds(1500) } };

    /// <summary>A phrase that takes the speech-to-text double 1.5 s to hear (an engine slowed by a busy host).</summary>
    public const int SlowHz = 2800;

    /// <summary>
    /// Tone phrases: the defaults, plus 1500 Hz for an answer long enough to be talked over (about 9 s), 1900 Hz for a
    /// misheard wake phrase, 1700 Hz asking for a summary, 2100 Hz a free question, 2800 Hz one slow to hear and 3200 Hz one for the held agent.
    /// </summary>
    public static IReadOnlyDictionary<int, string> Phrases { get; } = new Dictionary<int, string>(ToneSpeechToText.DefaultPhrases)
    {
        [1500] = "echo " + string.Join(' ', Enumerable.Repeat("this answer goes on and on", 8)),
        [1700] = "summarize our conversation",
        [1900] = "hey orchestra echo fuzzy wake",
        [2100] = "hey orchestrator what is the capital of france",
        [SlowHz] = "echo slow to hear",
        [HeldHz] = "held hello",
    };

    /// <summary>A phrase for the test assembly's held agent (answers when its silo's <c>AgentGate</c> opens, at once without one).</summary>
    public const int HeldHz = 3200;

    /// <summary>Configuration of the silo on top of the defaults above.</summary>
    protected virtual IReadOnlyDictionary<string, string?> SiloSettings { get; } = new Dictionary<string, string?>();

    /// <summary>Configuration of the client's ingress on top of its 20 s turn timeout.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ClientSettings { get; } = new Dictionary<string, string?>();

    /// <summary>Silos in the cluster.</summary>
    protected virtual short SiloCount => 1;

    /// <summary>Work before the cluster starts (e.g. enrolling a voice).</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Extra silo services (registered after the grains').</summary>
    protected virtual void ConfigureSiloServices(IServiceCollection services)
    {
    }

    public async ValueTask InitializeAsync()
    {
        await PrepareAsync();
        var builder = new InProcessTestClusterBuilder(SiloCount);
        builder.ConfigureSiloHost((_, host) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Conversation:AgentTimeout"] = "00:00:00.500",
                ["Conversation:MaxHistoryTurns"] = "5",
                // The doubles "speak" in pure tones, which Silero rightly does not call speech.
                ["Speaker:VoiceActivityDetector"] = "Energy",
                ["Speaker:AbandonedInputTimeout"] = "00:00:01",
            };
            foreach (var (key, value) in SiloSettings)
            {
                settings[key] = value;
            }

            host.Configuration.AddInMemoryCollection(settings);
            host.Services.AddAudioOrchestratorGrains(host.Configuration);
            host.Services.AddSingleton<ISpeechToTextClient>(SpeechToText);
            host.Services.AddSingleton<ITextToSpeechClient, ToneTextToSpeech>();
            ConfigureSiloServices(host.Services);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.AddMemoryGrainStorage(StorageNames.Sessions);
            silo.AddAudioStreams();
        });
        builder.ConfigureClientHost(host =>
        {
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(ClientSettings) { ["Ingress:TurnTimeout"] = "00:00:20" });
            host.Services.AddAudioIngress(host.Configuration);
        });
        builder.ConfigureClient(client => client.AddAudioStreams());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
