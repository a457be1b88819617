using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AudioOrchestrator.Console.Tests;

/// <summary>
/// The Talk page's side of the live protocol (docs/live-voice.md), its socket answered by the test (Playwright's
/// WebSocket routing) instead of the service: what it sends (hello, audio in the announced format, endOfSpeech), what
/// it shows of the events, the audio it plays, the close reason. The service's side: <see cref="TalkTests"/>.
/// </summary>
public sealed class TalkPageProtocolTests(ConsoleServiceFixture service) : IClassFixture<ConsoleServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pcm16_the_page_announces_sends_microphone_audio_shows_events_and_plays_the_answer()
    {
        var wav = await MicrophoneWav.WriteAsync(Ct, 500, ("echo hello world", 1000));
        var page = await service.Browser.NewPageAsync(microphoneWav: wav);
        var socket = await FakeLiveSocket.RouteAsync(page, "pcm16");
        await page.OpenAsync(service.BaseAddress, "talk?session=console-proto&speaker=ana&format=pcm16");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open mic" }).ClickAsync();

        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "ready");
        var hello = JsonDocument.Parse(socket.Texts.First()).RootElement;
        Assert.Equal(("hello", "pcm16", 16000, 1), (hello.GetProperty("type").GetString(), hello.GetProperty("format").GetString(), hello.GetProperty("sampleRate").GetInt32(), hello.GetProperty("channels").GetInt32()));
        await TestWait.UntilAsync(() => socket.Binaries.Count >= 50, "a second of microphone audio", TimeSpan.FromSeconds(30));
        Assert.All(socket.Binaries, b => Assert.Equal(640, b.Length)); // 20 ms of 16-bit 16 kHz mono
        Assert.Contains(socket.Binaries, b => MemoryMarshalAbsMax(b) > 1000); // the fake microphone's speech, not silence

        socket.SendEvent("answerStarted", new { turnId = "t1", speakerId = "ana", transcript = "echo hello world", agent = "echo", route = new { reason = "phrase" } });
        socket.SendEvent("answerDelta", new { turnId = "t1", text = "hello " });
        await Expect(page.Locator("#talk-log li[data-turn-id='t1'] .answer")).ToHaveTextAsync("hello ");
        socket.SendEvent("answerDelta", new { turnId = "t1", text = "world" });
        socket.SendEvent("answerCompleted", new { turnId = "t1", responseText = "hello world", timings = new { sttMs = 120.4, agentMs = 3, ttsMs = 80, endOfUtteranceToFirstAudioMs = 400, audioMs = 1000 } });
        var oneSecond = Pcm16(TestAudio.Tone(440, 1000));
        foreach (var chunk in oneSecond.Chunk(640))
        {
            socket.Send(chunk);
        }

        var turn = page.Locator("#talk-log li[data-completed='true']");
        await Expect(turn.Locator(".transcript")).ToHaveTextAsync("echo hello world");
        await Expect(turn.Locator(".answer")).ToHaveTextAsync("hello world");
        await Expect(turn.Locator(".timings")).ToContainTextAsync("speech to text 120 ms");
        await Expect(turn.Locator(".timings")).ToContainTextAsync("end of speech to first audio 400 ms");
        Assert.InRange(await SecondsAsync(page, "audio-received", 0.99), 0.99, 1.01);
        Assert.InRange(await SecondsAsync(page, "audio-played", 0.99), 0.99, 1.01);

        // Push-to-talk from the keyboard: releasing it ends the utterance at once.
        await page.GetByRole(AriaRole.Button, new() { Name = "Close mic" }).ClickAsync();
        await page.Locator("#talk-ptt").FocusAsync();
        await page.Keyboard.DownAsync(" ");
        var sentBefore = socket.Binaries.Count;
        await TestWait.UntilAsync(() => socket.Binaries.Count > sentBefore + 5, "audio while the button is held", TimeSpan.FromSeconds(30));
        await page.Keyboard.UpAsync(" ");
        await TestWait.UntilAsync(() => socket.Texts.Any(t => t.Contains("\"endOfSpeech\"", StringComparison.Ordinal)), "endOfSpeech", TimeSpan.FromSeconds(30));

        // The service closes the socket: the page says why.
        await socket.CloseAsync(1008, "speaker 'ana' is already connected to session 'console-proto'");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("1008: speaker 'ana' is already connected");
        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "error");
        File.Delete(wav);
    }

    [Fact]
    public async Task Opus_the_page_sends_20_ms_packets_and_plays_the_answer_decoded()
    {
        var wav = await MicrophoneWav.WriteAsync(Ct, 500, ("echo hello world", 1000));
        var page = await service.Browser.NewPageAsync(microphoneWav: wav);
        var socket = await FakeLiveSocket.RouteAsync(page, "opus");
        await page.OpenAsync(service.BaseAddress, "talk?session=console-proto-opus&speaker=ana&format=opus");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open mic" }).ClickAsync();

        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("#talk-format-used")).ToContainTextAsync("Opus");
        var hello = JsonDocument.Parse(socket.Texts.First()).RootElement;
        Assert.Equal(("opus", 48000), (hello.GetProperty("format").GetString(), hello.GetProperty("sampleRate").GetInt32()));
        await TestWait.UntilAsync(() => socket.Binaries.Count >= 50, "a second of Opus packets", TimeSpan.FromSeconds(30));
        foreach (var packet in socket.Binaries.ToArray())
        {
            Assert.True(IsOneTwentyMillisecondFrame(packet[0]), $"TOC byte {packet[0]:x2} is not one 20 ms frame");
        }

        using (var decoder = new OpusDecoder(48000, 1))
        {
            var pcm = new short[960];
            Assert.Equal(960, decoder.Decode(socket.Binaries.First(), pcm));
        }

        foreach (var packet in OpusPacketizer.Encode(TestAudio.Tone(440, 1000)))
        {
            socket.Send(packet);
        }

        Assert.InRange(await SecondsAsync(page, "audio-played", 0.99), 0.99, 1.01);
        File.Delete(wav);
    }

    [Fact]
    public async Task Playback_pauses_resumes_and_drops_the_rest_of_an_interrupted_answer()
    {
        var page = await service.Browser.NewPageAsync();
        var socket = await FakeLiveSocket.RouteAsync(page, "pcm16");
        await page.OpenAsync(service.BaseAddress, "talk?session=console-proto-barge&speaker=ana&format=pcm16");
        await page.GetByRole(AriaRole.Button, new() { Name = "Connect" }).ClickAsync();
        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "ready");

        socket.SendEvent("answerStarted", new { turnId = "t1", speakerId = "bob", transcript = "tell me a story", agent = "conversation" });
        foreach (var chunk in Pcm16(TestAudio.Tone(440, 10_000)).Chunk(640))
        {
            socket.Send(chunk);
        }

        await SecondsAsync(page, "audio-played", 0.3);
        socket.SendEvent("playbackPaused", new { speakerId = "ana" });
        socket.SendEvent("answerInterrupted", new { turnId = "t1", speakerId = "ana" });

        await Expect(page.Locator("#talk-log li[data-turn-id='t1']")).ToHaveAttributeAsync("data-interrupted", "true");
        await Expect(page.Locator("#talk-log li[data-turn-id='t1'] .timings")).ToContainTextAsync("interrupted by ana");
        var played = await SecondsAsync(page, "audio-played", 0);
        Assert.Equal(10.0, await SecondsAsync(page, "audio-received", 10), 3);
        Assert.True(played < 9, $"the rest of the answer was dropped ({played:0.0} s of 10 played)");
        await Expect(page.Locator("#audio-played")).ToHaveAttributeAsync("data-queued", "0"); // nothing more to play
    }

    private static bool IsOneTwentyMillisecondFrame(byte toc)
    {
        var config = toc >> 3;
        var twentyMs = config switch
        {
            < 12 => config % 4 == 1, // SILK: 10, 20, 40, 60 ms
            < 16 => config % 2 == 1, // hybrid: 10, 20 ms
            _ => config % 4 == 3, // CELT: 2.5, 5, 10, 20 ms
        };
        return twentyMs && (toc & 0x3) == 0;
    }

    private static int MemoryMarshalAbsMax(byte[] pcm16)
    {
        var max = 0;
        for (var i = 0; i + 1 < pcm16.Length; i += 2)
        {
            max = Math.Max(max, Math.Abs((int)BitConverter.ToInt16(pcm16, i)));
        }

        return max;
    }

    private static byte[] Pcm16(PcmAudio audio)
    {
        var bytes = new byte[audio.Samples.Length * 2];
        Buffer.BlockCopy(audio.Samples, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static async Task<double> SecondsAsync(IPage page, string output, double atLeast)
    {
        await page.WaitForFunctionAsync(
            "([id, min]) => Number(document.getElementById(id).dataset.seconds) >= min", new object[] { output, atLeast }, new() { Timeout = 60_000, PollingInterval = 100 });
        return double.Parse(await page.Locator("#" + output).GetAttributeAsync("data-seconds") ?? "0", CultureInfo.InvariantCulture);
    }
}

/// <summary>The page's live socket answered by the test: records what the page sends, answers hello with ready, sends what the test says.</summary>
public sealed class FakeLiveSocket
{
    private IWebSocketRoute? _route;

    public ConcurrentQueue<string> Texts { get; } = new();

    public ConcurrentQueue<byte[]> Binaries { get; } = new();

    public static async Task<FakeLiveSocket> RouteAsync(IPage page, string format)
    {
        ArgumentNullException.ThrowIfNull(page);
        var socket = new FakeLiveSocket();
        await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/api/v1/sessions/[^/]+/live"), route =>
        {
            socket._route = route;
            route.OnMessage(frame =>
            {
                // Playwright's frame offers both views of either kind: the page's text messages are its JSON controls.
                if (frame.Text is { } text && text.StartsWith("{\"type\":", StringComparison.Ordinal))
                {
                    socket.Texts.Enqueue(text);
                    if (text.Contains("\"hello\"", StringComparison.Ordinal))
                    {
                        socket.SendEvent("ready", new { sessionId = "s", speakerId = "ana", format, sampleRate = format == "opus" ? 48000 : 16000, channels = 1, frameMs = format == "opus" ? 20 : (int?)null, maxMessageBytes = 16384, wake = "default" });
                    }
                }
                else if (frame.Binary is { } binary)
                {
                    socket.Binaries.Enqueue(binary);
                }
            });
        });
        return socket;
    }

    public void SendEvent(string name, object data) =>
        _route!.Send(JsonSerializer.Serialize(new { @event = name, data }));

    public void Send(byte[] audio) => _route!.Send(audio);

    public Task CloseAsync(int code, string reason) => _route!.CloseAsync(new() { Code = code, Reason = reason });
}
