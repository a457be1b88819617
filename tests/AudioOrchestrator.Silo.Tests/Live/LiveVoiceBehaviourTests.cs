using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;

namespace AudioOrchestrator.Silo.Tests.Live;

/// <summary>The live socket's wake option, rate guard and metrics, against the real service.</summary>
[Collection(LiveVoiceCollection.Name)]
public sealed class LiveVoiceBehaviourTests(LiveVoiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_wake_required_speech_without_the_wake_phrase_is_heard_but_not_answered()
    {
        await service.NoSocketsAsync();
        var session = "wake-" + Guid.NewGuid().ToString("N")[..8];
        await using var ana = await service.ConnectAsync(session, "speaker=ana&wake=required", "pcm16");
        var ready = await ana.EventAsync("ready");
        Assert.Equal("required", ready.Data.GetProperty("wake").GetString());

        await ana.SpeakPcmAsync(await LiveVoiceFixture.SpeechAsync("echo hello world", TimeSpan.Zero), Ct);
        await ana.SendTextAsync("""{"type":"endOfSpeech"}""", Ct);

        var ended = await ana.EventAsync("inputCompleted");
        Assert.Equal(0, ended.Data.GetProperty("turnCount").GetInt32());
        Assert.Contains(ana.Events, e => e.Name == "speechStarted");
        Assert.DoesNotContain(ana.Events, e => e.Name == "answerStarted");
    }

    [Fact]
    public async Task Audio_sent_faster_than_real_time_is_dropped_with_a_warning_and_the_socket_stays_open()
    {
        await service.NoSocketsAsync();
        await using var fast = await service.ConnectAsync("fast-" + Guid.NewGuid().ToString("N")[..8], "speaker=fast", "pcm16");
        await fast.EventAsync("ready");

        // Five seconds of audio at once: beyond the one-second burst the speaker may send ahead.
        var chunk = new byte[4000];
        for (var i = 0; i < 40; i++)
        {
            await fast.SendBinaryAsync(chunk, Ct);
        }

        var warning = await fast.EventAsync("warning");
        Assert.Equal("rateLimited", warning.Data.GetProperty("code").GetString());
        Assert.Null(fast.CloseStatus);
        Assert.Equal(WebSocketState.Open, fast.Socket.State);
    }

    [Fact]
    public async Task Sockets_open_and_closed_are_counted_with_the_reason()
    {
        await service.NoSocketsAsync();
        var factory = service.Services.GetRequiredService<IMeterFactory>();
        var open = 0L;
        var closed = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("audioorchestrator.live.sockets_", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "audioorchestrator.live.sockets_open")
            {
                Interlocked.Add(ref open, value);
            }
            else
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        closed.Enqueue((string)tag.Value!);
                    }
                }
            }
        });
        listener.Start();

        await using (var ok = await service.ConnectAsync("metrics-" + Guid.NewGuid().ToString("N")[..8], "speaker=ana", "pcm16"))
        {
            await ok.EventAsync("ready");
            Assert.Equal(1, Interlocked.Read(ref open));
        }

        await using (var refused = await service.ConnectAsync("metrics-x", "speaker=a/b", "pcm16"))
        {
            await refused.ClosedAsync();
        }

        await service.NoSocketsAsync();
        await AudioOrchestrator.Testing.TestWait.UntilAsync(() => closed.Count >= 2, "two closes counted");
        Assert.Equal(0, Interlocked.Read(ref open));
        Assert.Equal(["client", "policy"], closed.Order(StringComparer.Ordinal));
    }
}
