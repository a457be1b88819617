using System.Collections.Concurrent;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Discord.Commands;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>
/// The fake Discord (gateway + REST on loopback), real gateway shards connected to it, and the slash-command services
/// as <c>AddDiscordSlashCommands</c> registers them, over the Orleans pipeline of <see cref="PipelineCluster"/>. Only
/// the voice transport is an in-test <see cref="IGuildVoiceControl"/>.
/// </summary>
internal sealed class SlashCommandHarness : IAsyncDisposable
{
    public const ulong GuildId = 81384788765712384;
    public const ulong VoiceChannelId = 81384788765712390;
    public const ulong TextChannelId = 81384788765712391;
    public const ulong UserInVoice = 555;
    public const ulong UserNotInVoice = 556;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ServiceProvider _services;
    private int _awaitedAnswers;

    private SlashCommandHarness(FakeDiscordServer fake, DiscordShardManager shards, ServiceProvider services, TestLogs logs, TestGuildVoiceControl voice)
    {
        Fake = fake;
        Shards = shards;
        _services = services;
        Logs = logs;
        Voice = voice;
    }

    public FakeDiscordServer Fake { get; }

    public DiscordShardManager Shards { get; }

    public TestLogs Logs { get; }

    public TestGuildVoiceControl Voice { get; }

    public SlashCommandService Service => _services.GetRequiredService<SlashCommandService>();

    public SlashCommandStatistics Statistics => _services.GetRequiredService<SlashCommandStatistics>();

    public IDiscordTextFallback TextFallback => _services.GetRequiredService<IDiscordTextFallback>();

    public static async Task<SlashCommandHarness> StartAsync(PipelineCluster cluster, IDictionary<string, string?>? settings = null)
    {
        var fake = await FakeDiscordServer.StartAsync(new FakeDiscordOptions());
        fake.Options.Guilds.Add(new FakeGuild(GuildId, "guild", [new FakeVoiceState(UserInVoice, VoiceChannelId, "s1")]));
        var configuration = new Dictionary<string, string?>
        {
            ["Discord:Token"] = fake.Options.Token,
            ["Discord:ApiBaseUrl"] = fake.ApiBaseUrl.ToString(),
            ["Discord:GatewayUrl"] = fake.GatewayUrl.ToString(),
            ["Discord:ShardCount"] = "1",
            ["Discord:MaxConcurrency"] = "1",
            ["Discord:AskTimeout"] = "00:00:15",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
        var logs = new TestLogs();
        var voice = new TestGuildVoiceControl();
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton(cluster.Client);
        services.AddSingleton(cluster.ClientServices.GetRequiredService<SessionOutputHub>());
        services.AddSingleton(sp => new DiscordShardManager(
            Options.Create(config.GetSection("Discord").Get<DiscordOptions>()!), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IGuildVoiceControl>(voice);
        services.AddDiscordSlashCommands(config);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var shards = provider.GetRequiredService<DiscordShardManager>();
        await provider.GetRequiredService<SlashCommandService>().StartAsync(CancellationToken.None);
        await shards.StartAsync(CancellationToken.None);
        using var ready = new CancellationTokenSource(Timeout);
        await shards.WaitUntilReadyAsync(ready.Token);
        await TestWait.UntilAsync(() => shards.GetVoiceState(GuildId, UserInVoice) is not null, "GUILD_CREATE voice states", Timeout);
        return new SlashCommandHarness(fake, shards, provider, logs, voice);
    }

    public Task<FakeInteraction> CommandAsync(string name, string? optionsJson = null, ulong user = UserInVoice, string? resolvedJson = null) =>
        Fake.Rest.SendSlashCommandAsync(GuildId, TextChannelId, user, name, optionsJson, resolvedJson);

    /// <summary>
    /// Waits until the interaction got its final answer (an edited original, a type 4 message or an ephemeral followup)
    /// and the handler has counted its outcome (it does so once Discord acknowledged the answer, a moment later).
    /// </summary>
    public async Task WaitForAnswerAsync(FakeInteraction interaction)
    {
        var awaited = Interlocked.Increment(ref _awaitedAnswers);
        await TestWait.UntilAsync(
            () => (interaction.CallbackType == 4) || interaction.Followups.Count > 0 || (interaction.CallbackType == 5 && interaction.OriginalContent is not null),
            "the answer to interaction " + interaction.Id);
        await TestWait.UntilAsync(
            () => Statistics.Answered + Statistics.Rejected + Statistics.Failed + Statistics.Unanswerable >= awaited,
            "the outcome of interaction " + interaction.Id + " to be counted");
    }

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(CancellationToken.None);
        await Shards.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

/// <summary>A voice control that records joins and leaves (the real one is the Discord transport).</summary>
internal sealed class TestGuildVoiceControl : IGuildVoiceControl
{
    private readonly ConcurrentDictionary<ulong, GuildVoiceStatus> _guilds = new();

    public ConcurrentQueue<(ulong GuildId, ulong ChannelId)> Joins { get; } = new();

    public ConcurrentQueue<ulong> Leaves { get; } = new();

    public string? FailJoinWith { get; set; }

    public Task<GuildVoiceStatus> JoinAsync(ulong guildId, ulong channelId, CancellationToken cancellationToken)
    {
        Joins.Enqueue((guildId, channelId));
        if (FailJoinWith is { } reason)
        {
            throw new GuildVoiceException(reason);
        }

        var status = new GuildVoiceStatus(guildId, 0, "Connected", channelId, Ingress.Discord.DiscordSessions.SessionId(guildId), 1, 1, DateTimeOffset.UtcNow);
        _guilds[guildId] = status;
        return Task.FromResult(status);
    }

    public Task<bool> LeaveAsync(ulong guildId, CancellationToken cancellationToken)
    {
        Leaves.Enqueue(guildId);
        return Task.FromResult(_guilds.TryRemove(guildId, out _));
    }

    public GuildVoiceStatus? GetStatus(ulong guildId) =>
        _guilds.TryGetValue(guildId, out var status)
            ? status
            : new GuildVoiceStatus(guildId, 0, "Disconnected", null, Ingress.Discord.DiscordSessions.SessionId(guildId), 0, 0, null);

    public IReadOnlyList<GuildVoiceStatus> GetGuilds() => [.. _guilds.Values];
}

/// <summary>Every log line, formatted, with its exception.</summary>
internal sealed class TestLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public string AllText => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {state} {exception}");
    }
}
