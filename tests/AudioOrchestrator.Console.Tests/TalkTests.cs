using System.Globalization;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AudioOrchestrator.Console.Tests;

/// <summary>
/// The Talk view in Chromium, its fake microphone playing espeak-ng, over the live voice WebSocket
/// (docs/live-voice.md): what is heard, the answer as text and as audio played in the page, in both formats.
/// </summary>
public sealed class TalkTests(ConsoleServiceFixture service) : IClassFixture<ConsoleServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LocatorAssertionsToHaveTextOptions Long => new() { Timeout = 90_000 };

    [Theory]
    [InlineData("pcm16", "PCM 16-bit")]
    [InlineData("opus", "Opus")]
    public async Task Spoken_echo_hello_world_is_heard_answered_and_the_answer_audio_plays(string format, string shown)
    {
        var wav = await MicrophoneWav.WriteAsync(Ct, 2500, ("echo hello world", 4000));
        var session = $"console-talk-{format}-" + Guid.NewGuid().ToString("N")[..6];
        var page = await service.Browser.NewPageAsync(microphoneWav: wav);
        await page.OpenAsync(service.BaseAddress, $"talk?session={session}&speaker=ana&format={format}");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open mic" }).ClickAsync();

        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });
        await Expect(page.Locator("#talk-format-used")).ToContainTextAsync(shown);
        var turn = page.Locator("#talk-log li[data-completed='true']");
        await Expect(turn.Locator(".transcript")).ToHaveTextAsync("echo hello world", Long);
        await Expect(turn.Locator(".answer")).ToHaveTextAsync("hello world");
        await Expect(turn.Locator(".timings")).ToContainTextAsync("end of speech to first audio");
        var played = await PlayedSecondsAsync(page, atLeast: 0.8); // "hello world" as spoken: about a second
        Assert.InRange(played, 0.8, 5);
        if (format == "opus")
        {
            await page.ScreenshotIfAskedAsync("console-talk.png");
        }

        File.Delete(wav);
    }

    [Fact]
    public async Task Speaking_over_a_long_answer_interrupts_it_in_the_page()
    {
        await using var llm = await LlmConsoleServiceFixture.StartAsync();
        var session = $"console-barge-{Guid.NewGuid().ToString("N")[..6]}";
        var question = await MicrophoneWav.WriteAsync(Ct, 2500, ("describe the river for me please", 4000));
        var page = await llm.Browser.NewPageAsync(microphoneWav: question);
        await page.OpenAsync(llm.BaseAddress, $"talk?session={session}&speaker=ana&format=pcm16");
        await page.GetByRole(AriaRole.Button, new() { Name = "Open mic" }).ClickAsync();

        // The story is being played in ana's tab: only now does a second tab of the session speak over it, so the
        // interruption never depends on how fast this machine answered.
        var story = page.Locator("#talk-log li[data-agent='conversation']");
        await Expect(story).ToHaveCountAsync(1, new() { Timeout = 90_000 });
        await PlayedSecondsAsync(page, atLeast: 1);
        var overTalk = await MicrophoneWav.WriteAsync(Ct, 1500, ("echo stop now please", 4000));
        var second = await llm.Browser.NewPageAsync(microphoneWav: overTalk);
        await second.OpenAsync(llm.BaseAddress, $"talk?session={session}&speaker=bob&format=pcm16");
        await second.GetByRole(AriaRole.Button, new() { Name = "Open mic" }).ClickAsync();

        try
        {
            await Expect(story).ToHaveAttributeAsync("data-interrupted", "true", new() { Timeout = 90_000 });
        }
        catch (PlaywrightException)
        {
            TestContext.Current.TestOutputHelper!.WriteLine("Page state: " + await page.EvaluateAsync<string>("() => document.getElementById('talk-status').textContent + ' | ' + document.getElementById('notice').textContent + ' | ' + document.getElementById('talk-log').innerText"));
            throw;
        }

        await Expect(story.Locator(".timings")).ToContainTextAsync("interrupted by bob");
        var played = double.Parse(await page.Locator("#audio-played").GetAttributeAsync("data-seconds") ?? "0", CultureInfo.InvariantCulture);
        var received = double.Parse(await page.Locator("#audio-received").GetAttributeAsync("data-seconds") ?? "0", CultureInfo.InvariantCulture);
        Assert.True(played >= 1, "the story was being played before the interruption");
        Assert.True(received < LlmConsoleServiceFixture.StoryWords * 0.25, $"the story was cut short: {received:0.0} s of it arrived");
        File.Delete(question);
        File.Delete(overTalk);
    }

    [Fact]
    public async Task A_denied_microphone_shows_a_clear_message()
    {
        var page = await service.Browser.NewPageAsync(denyMicrophone: true);
        await page.OpenAsync(service.BaseAddress, $"talk?session=console-denied-{Guid.NewGuid().ToString("N")[..6]}&speaker=ana&format=pcm16");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open mic" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Microphone access was denied", new() { Timeout = 30_000 });
        await Expect(page.Locator("#talk-open-mic")).ToHaveAttributeAsync("aria-pressed", "false");
    }

    [Fact]
    public async Task A_socket_closed_by_the_service_shows_the_close_reason()
    {
        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, $"talk?session=console-dup-{Guid.NewGuid().ToString("N")[..6]}&speaker=ana&format=pcm16");
        await page.GetByRole(AriaRole.Button, new() { Name = "Connect" }).ClickAsync();
        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 30_000 });

        // The same speaker again in the same session: the service refuses it (1008) with a reason the page shows.
        var second = await service.Browser.NewPageAsync();
        await second.OpenAsync(service.BaseAddress, page.Url[(page.Url.IndexOf('#', StringComparison.Ordinal) + 2)..]);
        await second.GetByRole(AriaRole.Button, new() { Name = "Connect" }).ClickAsync();

        await Expect(second.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "error", new() { Timeout = 30_000 });
        await Expect(second.GetByRole(AriaRole.Alert)).ToContainTextAsync("1008");
        await Expect(page.Locator("#talk-status")).ToHaveAttributeAsync("data-state", "ready"); // the first is unaffected
    }

    private static async Task<double> PlayedSecondsAsync(IPage page, double atLeast)
    {
        await page.WaitForFunctionAsync(
            "min => Number(document.getElementById('audio-played').dataset.seconds) >= min", atLeast, new() { Timeout = 60_000, PollingInterval = 200 });
        return double.Parse(await page.Locator("#audio-played").GetAttributeAsync("data-seconds") ?? "0", CultureInfo.InvariantCulture);
    }
}

/// <summary>The console's service with a language model (the local fake OpenAI server) that tells a long story slowly.</summary>
public sealed class LlmConsoleServiceFixture : ConsoleServiceFixture
{
    /// <summary>Words of the story: at 8 tokens a second and about 0.4 s of speech a word, it lasts far longer than the test speaks.</summary>
    public const int StoryWords = 120;

    private FakeOpenAiServer? _server;

    public static async Task<LlmConsoleServiceFixture> StartAsync()
    {
        var fixture = new LlmConsoleServiceFixture();
        await fixture.InitializeAsync();
        return fixture;
    }

    protected override async Task<IReadOnlyDictionary<string, string?>> SettingsAsync()
    {
        var story = string.Join(' ', Enumerable.Range(0, StoryWords).Select(i => i % 10 == 9 ? "and then the river went on." : "the river"));
        _server = await FakeOpenAiServer.StartAsync(r => r.System.StartsWith("You sort requests", StringComparison.Ordinal)
            ? FakeChatReply.Say("general")
            : new FakeChatReply { Text = story, TokensPerSecond = 8 });
        return new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "OpenAI",
            ["Llm:Endpoint"] = _server.BaseUrl.ToString(),
            ["Llm:Model"] = "fake-model",
            ["Llm:FirstTokenTimeout"] = "00:00:05",
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
