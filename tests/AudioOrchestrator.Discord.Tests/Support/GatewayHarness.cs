using System.Collections.Concurrent;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Tests.Support;

/// <summary>A fake Discord and one gateway client connected to it, with every event and log line captured.</summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private GatewayHarness(FakeDiscordServer fake, DiscordGatewayClient client, CapturingLoggerProvider logs, DiscordOptions options)
    {
        Fake = fake;
        Client = client;
        Logs = logs;
        Options = options;
        client.Ready += (_, e) => Readies.Enqueue(e);
        client.Resumed += (_, e) => Resumes.Enqueue(e);
        client.GuildAvailable += (_, e) => Guilds.Enqueue(e);
        client.VoiceStateUpdated += (_, e) => VoiceStates.Enqueue(e);
        client.VoiceServerUpdated += (_, e) => VoiceServers.Enqueue(e);
        client.InteractionCreated += (_, e) => Interactions.Enqueue(e);
        client.DispatchReceived += (_, e) => Dispatches.Enqueue(e);
    }

    public FakeDiscordServer Fake { get; }

    public DiscordGatewayClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    public DiscordOptions Options { get; }

    public ConcurrentQueue<GatewayReady> Readies { get; } = new();

    public ConcurrentQueue<GatewayResumed> Resumes { get; } = new();

    public ConcurrentQueue<GuildAvailable> Guilds { get; } = new();

    public ConcurrentQueue<VoiceState> VoiceStates { get; } = new();

    public ConcurrentQueue<VoiceServerUpdate> VoiceServers { get; } = new();

    public ConcurrentQueue<InteractionCreate> Interactions { get; } = new();

    public ConcurrentQueue<GatewayDispatch> Dispatches { get; } = new();

    /// <summary>Fast test settings for a client of <paramref name="fake"/>.</summary>
    public static DiscordOptions ClientOptions(FakeDiscordServer fake) => new()
    {
        Token = fake.Options.Token,
        ApiBaseUrl = fake.ApiBaseUrl,
        GatewayUrl = fake.GatewayUrl,
        ShardCount = 1,
        MaxConcurrency = 1,
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        InvalidSessionMinDelay = TimeSpan.FromMilliseconds(50),
        InvalidSessionMaxDelay = TimeSpan.FromMilliseconds(100),
        // The client counts its window from taking the slot (before connecting), the fake from receiving Identify: a
        // cold first connection can arrive 50+ ms after its slot, so keep a wide margin over the fake's 100 ms.
        IdentifyWindow = TimeSpan.FromMilliseconds(250),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Fast fake settings: 150 ms heartbeats, identify window 100 ms.</summary>
    public static FakeDiscordOptions FakeOptions() => new()
    {
        HeartbeatIntervalMs = 400, // long enough that a loaded CI machine does not miss ACKs by accident
        IdentifyWindow = TimeSpan.FromMilliseconds(100),
    };

    public static async Task<GatewayHarness> StartAsync(
        Action<FakeDiscordOptions>? configureFake = null,
        Action<DiscordOptions>? configureClient = null,
        bool waitForReady = true,
        TimeProvider? time = null)
    {
        var fakeOptions = FakeOptions();
        fakeOptions.TimeProvider = time ?? TimeProvider.System;
        configureFake?.Invoke(fakeOptions);
        var fake = await FakeDiscordServer.StartAsync(fakeOptions);
        var options = ClientOptions(fake);
        configureClient?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        var client = new DiscordGatewayClient(new ShardInfo(0, 1), fake.GatewayUrl, Microsoft.Extensions.Options.Options.Create(options), logs.For<DiscordGatewayClient>(), time);
        var harness = new GatewayHarness(fake, client, logs, options);
        await client.StartAsync(CancellationToken.None);
        if (waitForReady)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            await client.WaitUntilReadyAsync(timeout.Token);
        }

        return harness;
    }

    public Task WaitUntilAsync(Func<bool> condition, string what) => TestWait.UntilAsync(condition, what, Timeout);

    public async Task WaitUntilAsync(Func<bool> condition, Func<string> describe)
    {
        try
        {
            await TestWait.UntilAsync(condition, "condition", Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(describe());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Fake.DisposeAsync();
    }
}
