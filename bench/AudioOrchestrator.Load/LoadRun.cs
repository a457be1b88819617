using System.Globalization;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Load;

/// <summary>
/// Everything a run holds: the fake Discord, the service (a child process by default), the speech clips, the pacer and
/// the speakers joined so far (Discord users and live sockets alternating by <see cref="LoadOptions.LiveShare"/>).
/// </summary>
internal sealed class LoadRun : IAsyncDisposable
{
    private readonly List<SimulatedSpeaker> _speakers = [];
    private readonly string _archive;
    private int _discord;
    private int _live;

    private LoadRun(LoadOptions options, FakeDiscordFarm discord, ILoadTarget target, IReadOnlyList<SpeechClip> clips, string archive)
    {
        Options = options;
        Discord = discord;
        Target = target;
        Clips = clips;
        _archive = archive;
        Http = new HttpClient { BaseAddress = target.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        EventsHttp = new HttpClient { BaseAddress = target.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public LoadOptions Options { get; }

    public FakeDiscordFarm Discord { get; }

    public ILoadTarget Target { get; }

    public IReadOnlyList<SpeechClip> Clips { get; }

    public HttpClient Http { get; }

    /// <summary>For the sessions' event streams, which stay open for the whole run (no client timeout).</summary>
    public HttpClient EventsHttp { get; }

    public TurnLog Turns { get; } = new();

    public Pacer Pacer { get; } = new();

    /// <summary>The harness' own GC pauses (a pause here delays the turns' arrival times as much as one in the service).</summary>
    public GcPauseWatch HarnessPauses { get; } = new();

    public int Speakers => _speakers.Count;

    public static async Task<LoadRun> StartAsync(LoadOptions options, IReadOnlyList<SpeechClip> clips, int maxSpeakers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var discord = await FakeDiscordFarm.StartAsync(DiscordCount(maxSpeakers, options.LiveShare));
        var archive = TestArchive.NewSqlitePath();
        var model = options.Engines == "embedded" ? await EspeakVoiceEnrolment.GetModelAsync(cancellationToken) : null;
        var settings = LoadServiceSettings.For(discord.ClientConfiguration(), archive, model);
        ILoadTarget target = options.InProcess
            ? await InProcessTarget.StartAsync(settings, options.Engines == "instant")
            : await ChildProcessTarget.StartAsync(settings, options.Engines == "instant");
        var run = new LoadRun(options, discord, target, clips, archive);
        await TestWait.UntilAsync(() => Gauges(target) is not null, "the service's first gauge reading", TimeSpan.FromSeconds(30));
        return run;
    }

    /// <summary>Joins speakers until <paramref name="total"/> speak (joins run a few at a time; the time is not measured).</summary>
    public async Task GrowToAsync(int total, CancellationToken cancellationToken)
    {
        List<Task<SimulatedSpeaker>> joining = [];
        for (var n = _speakers.Count + joining.Count; n < total; n++)
        {
            var live = Options.LiveShare > 0 && (_live + 1) <= Math.Round((n + 1) * Options.LiveShare);
            if (live)
            {
                var index = _live++;
                joining.Add(Task.Run<SimulatedSpeaker>(async () => await LiveLoadSpeaker.ConnectAsync(Target.BaseAddress, index, Clips, Turns, cancellationToken), cancellationToken));
            }
            else
            {
                var index = _discord++;
                joining.Add(Task.Run<SimulatedSpeaker>(async () => await JoinDiscordAsync(index, cancellationToken), cancellationToken));
            }
        }

        foreach (var speaker in await Task.WhenAll(joining))
        {
            _speakers.Add(speaker);
            Pacer.Add(speaker);
        }
    }

    /// <summary>Speakers waiting for an answer for longer than <paramref name="wait"/>.</summary>
    public int Waiting(TimeSpan wait) => _speakers.Count(s => s.AwaitingLongerThan(wait));

    /// <summary>Frames queued in the harness itself (its own lag).</summary>
    public int HarnessQueued => _speakers.Sum(s => s.Queued);

    /// <summary>Input frames the service dropped so far: the rate guard, the Discord and live ingress queues (from /metrics).</summary>
    /// <returns>-1 when the service did not answer /metrics within the client's timeout (it has stalled).</returns>
    public async Task<long> DroppedFramesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var text = await Http.GetStringAsync("/metrics", cancellationToken);
            return DroppedFrames.Sum(text);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Console.Error.WriteLine("the service did not answer /metrics: " + ex.Message);
            return -1;
        }
    }

    /// <summary>The dropped-input counters one by one (what the service says so far).</summary>
    public async Task<string> DroppedFramesDetailAsync(CancellationToken cancellationToken)
    {
        var text = await Http.GetStringAsync("/metrics", cancellationToken);
        var lines = text.Split('\n').Where(l => !l.StartsWith('#') && DroppedFrames.Prefixes.Any(p => l.StartsWith(p, StringComparison.Ordinal)));
        return string.Join(", ", lines.Select(l => l.Trim()));
    }

    public static GaugeReading? Gauges(ILoadTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        try
        {
            return target.Gauges();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var speaker in Pacer.RemoveAll())
        {
            _ = speaker;
        }

        Pacer.Dispose();
        await Task.WhenAll(_speakers.Select(s => s.DisposeAsync().AsTask()));
        Http.Dispose();
        EventsHttp.Dispose();
        HarnessPauses.Dispose();
        await Target.DisposeAsync();
        await Discord.DisposeAsync();
        TestArchive.Delete(_archive);
    }

    private static int DiscordCount(int maxSpeakers, double liveShare) => Math.Max(1, (int)Math.Ceiling(maxSpeakers * (1 - liveShare)) + 1);

    private async Task<SimulatedSpeaker> JoinDiscordAsync(int index, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await DiscordLoadSpeaker.JoinAsync(Http, EventsHttp, Discord, index, Clips, Turns, cancellationToken);
            }
            catch (InvalidOperationException ex) when (attempt < 30 && ex.Message.StartsWith("join", StringComparison.Ordinal))
            {
                // The service may not have seen the guild yet (GUILD_CREATE after start-up).
                await Task.Delay(1000, cancellationToken);
            }
        }
    }
}

/// <summary>Sums the dropped-input counters in the service's Prometheus text.</summary>
internal static class DroppedFrames
{
    public static readonly string[] Prefixes =
    [
        "audioorchestrator_opus_rate_limited_frames",
        "audioorchestrator_discord_frames_dropped",
        "audioorchestrator_live_frames_dropped",
    ];

    public static long Sum(string prometheusText)
    {
        ArgumentNullException.ThrowIfNull(prometheusText);
        double total = 0;
        foreach (var line in prometheusText.Split('\n'))
        {
            if (line.StartsWith('#') || !Prefixes.Any(p => line.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var labelsEnd = line.IndexOf('}', StringComparison.Ordinal);
            var value = line[((labelsEnd >= 0 ? labelsEnd : line.IndexOf(' ', StringComparison.Ordinal)) + 1)..].Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                total += v;
            }
        }

        return (long)total;
    }
}
