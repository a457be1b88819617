using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Discord.Tests;

public sealed class RateLimiterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_121st_send_within_60_seconds_waits_for_the_window()
    {
        var time = new FakeTimeProvider();
        var limiter = new GatewaySendRateLimiter(120, Window, reserve: 0, time);
        for (var i = 0; i < 120; i++)
        {
            Assert.True(limiter.TryAcquire());
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var waiting = limiter.AcquireAsync(priority: false, TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);

        // The first token comes back 60 s after it was spent (48 s from now), not before.
        time.Advance(TimeSpan.FromSeconds(47.9));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(150));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(120, limiter.SpentInWindow);
    }

    [Fact]
    public void No_60_second_window_ever_holds_more_than_the_limit()
    {
        var time = new FakeTimeProvider();
        var limiter = new GatewaySendRateLimiter(120, Window, reserve: 0, time);
        var sent = new List<TimeSpan>();
        var now = TimeSpan.Zero;
        for (var step = 0; step < 3000; step++)
        {
            if (limiter.TryAcquire())
            {
                sent.Add(now);
            }

            time.Advance(TimeSpan.FromMilliseconds(97));
            now += TimeSpan.FromMilliseconds(97);
        }

        for (var i = 120; i < sent.Count; i++)
        {
            Assert.True(sent[i] - sent[i - 120] >= Window, $"send {i} at {sent[i]} is within 60 s of send {i - 120}");
        }

        Assert.True(sent.Count >= 480, "the limiter must not be stricter than needed");
    }

    [Fact]
    public void Commands_leave_the_reserve_for_heartbeats()
    {
        var time = new FakeTimeProvider();
        var limiter = new GatewaySendRateLimiter(120, Window, reserve: 5, time);
        var commands = 0;
        while (limiter.TryAcquire(priority: false))
        {
            commands++;
        }

        Assert.Equal(115, commands);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(limiter.TryAcquire(priority: true));
        }

        Assert.False(limiter.TryAcquire(priority: true));
    }

    [Fact]
    public async Task Identify_buckets_allow_max_concurrency_shards_per_window()
    {
        var time = new FakeTimeProvider();
        using var limiter = new IdentifyRateLimiter(maxConcurrency: 2, TimeSpan.FromSeconds(5), time);
        var ct = TestContext.Current.CancellationToken;
        using (var shard0 = await limiter.AcquireAsync(0, ct).WaitAsync(TimeSpan.FromSeconds(1), ct))
        using (var shard1 = await limiter.AcquireAsync(1, ct).WaitAsync(TimeSpan.FromSeconds(1), ct))
        {
            shard0.Sent();
            shard1.Sent();
        }

        var shard2 = limiter.AcquireAsync(2, ct);
        var shard3 = limiter.AcquireAsync(3, ct);
        time.Advance(TimeSpan.FromSeconds(4.99));
        Assert.False(shard2.IsCompleted); // the window has not passed on the limiter's clock
        Assert.False(shard3.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.01));
        foreach (var lease in await Task.WhenAll(shard2, shard3).WaitAsync(TimeSpan.FromSeconds(5), ct))
        {
            lease.Dispose();
        }
    }

    [Fact]
    public async Task The_identify_window_starts_when_the_identify_is_sent_not_when_the_turn_is_granted()
    {
        var time = new FakeTimeProvider();
        using var limiter = new IdentifyRateLimiter(maxConcurrency: 1, TimeSpan.FromSeconds(5), time);
        var ct = TestContext.Current.CancellationToken;
        var first = await limiter.AcquireAsync(0, ct).WaitAsync(TimeSpan.FromSeconds(1), ct);
        var second = limiter.AcquireAsync(1, ct);

        // The first shard's connection takes 3 s to reach Hello: the second waits for its turn meanwhile...
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(second.IsCompleted);
        first.Sent();
        first.Dispose();

        // ...and then a whole window from the first Identify, not from the grant.
        time.Advance(TimeSpan.FromSeconds(4.99));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.01));

        // The waiter reads the clock and arms its timer on the thread pool: on a loaded machine it can arm it from a
        // reading taken before the advances above, and would then wait past the last one. Step the clock (within one
        // more window) until it is granted; what matters, that it was not granted before the window, is checked above.
        for (var step = 0; !second.IsCompleted && step < 500; step++)
        {
            await Task.Delay(1, ct);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        (await second.WaitAsync(TimeSpan.FromSeconds(5), ct)).Dispose();

        // A turn given back without an Identify leaves the window as it was.
        var unused = await limiter.AcquireAsync(2, ct).WaitAsync(TimeSpan.FromSeconds(1), ct);
        unused.Dispose();
        (await limiter.AcquireAsync(3, ct).WaitAsync(TimeSpan.FromSeconds(1), ct)).Dispose();
    }

    [Fact]
    public async Task Voice_joins_go_through_the_limiter_and_the_fake_never_rate_limits()
    {
        // The client and the fake share one fake clock: the fake judges the window on exactly the client's time, so
        // the test checks the limiter's arithmetic, not how fast a loaded machine delivers frames.
        const int Limit = 12;
        var window = TimeSpan.FromMilliseconds(800);
        var margin = TimeSpan.FromMilliseconds(60);
        var time = new FakeTimeProvider();
        await using var h = await GatewayHarness.StartAsync(
            fake =>
            {
                fake.SendLimit = Limit;
                fake.SendWindow = window;
                fake.HeartbeatIntervalMs = 60_000; // no heartbeat within the advanced second
            },
            client =>
            {
                client.SendLimit = Limit;
                client.SendWindow = window;
                client.SendReserve = 2;
                client.SendWindowMargin = margin;
            },
            time: time);
        var ct = TestContext.Current.CancellationToken;
        var started = h.Fake.Now;
        var joins = Enumerable.Range(0, 15).Select(i => h.Client.UpdateVoiceStateAsync(41771983423143937, 100UL + (ulong)i, selfMute: false, selfDeaf: false, ct)).ToList();

        // Identify took one send of the window; 9 more commands fit (12 - 2 reserved - 1), the rest wait for the window.
        await h.WaitUntilAsync(() => h.Fake.VoiceStateRequests.Count == 9, () => $"9 joins sent at once; got {h.Fake.VoiceStateRequests.Count}");
        time.Advance(window + margin - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.Equal(9, h.Fake.VoiceStateRequests.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(joins).WaitAsync(GatewayHarness.Timeout, ct);
        await h.WaitUntilAsync(() => h.Fake.VoiceStateRequests.Count == 15, () => $"15 op 4 received; got {h.Fake.VoiceStateRequests.Count}");

        Assert.Equal(9, h.Fake.VoiceStateRequests.Count(r => r.At == started));
        Assert.Equal(6, h.Fake.VoiceStateRequests.Count(r => r.At == started + window + margin));
        Assert.Single(h.Fake.Connections);
        Assert.Null(h.Fake.Connections[0].ClientCloseStatus);

        // The fake answers each join with VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE, surfaced as events.
        await h.WaitUntilAsync(() => h.VoiceServers.Count == 15 && h.VoiceStates.Count == 15, "voice events");
        var server = h.VoiceServers.First();
        Assert.Equal(41771983423143937UL, server.GuildId);
        Assert.Equal("127.0.0.1:9", server.Endpoint);
        Assert.DoesNotContain(server.Token, server.ToString(), StringComparison.Ordinal);
        var mine = h.Client.VoiceStates.Get(41771983423143937, h.Client.UserId);
        Assert.Equal(h.Fake.VoiceStateRequests[^1].ChannelId, mine!.ChannelId);
    }

    [Fact]
    public async Task Leaving_sends_a_null_channel()
    {
        await using var h = await GatewayHarness.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        await h.Client.UpdateVoiceStateAsync(41771983423143937, 7, selfMute: false, selfDeaf: false, ct);
        await h.Client.UpdateVoiceStateAsync(41771983423143937, null, selfMute: false, selfDeaf: false, ct);
        await h.WaitUntilAsync(() => h.Fake.VoiceStateRequests.Count == 2 && h.VoiceStates.Count == 2, "leave answered");
        Assert.Null(h.Fake.VoiceStateRequests[1].ChannelId);
        Assert.Null(h.Client.VoiceStates.Get(41771983423143937, h.Client.UserId));
    }
}
