using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AudioOrchestrator.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AudioOrchestrator.Console.Tests;

/// <summary>The console's sessions and operators views in Chromium, against the real service (no API keys: open on loopback).</summary>
public sealed class ConsoleViewsTests(ConsoleServiceFixture service) : IClassFixture<ConsoleServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LocatorAssertionsToContainTextOptions Long => new() { Timeout = 60_000 };

    [Fact]
    public async Task The_sessions_view_lists_a_session_made_by_a_message_and_shows_its_turns()
    {
        var session = "console-list-" + Guid.NewGuid().ToString("N")[..8];
        using var message = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text = "echo good morning", speaker = "ana" }, Ct);
        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        await TestWait.UntilAsync(async () => (await service.Http.GetStringAsync($"/api/v1/sessions/{session}/turns", Ct)).Contains("good morning", StringComparison.Ordinal), "the turn to be archived", TimeSpan.FromSeconds(60));

        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, "sessions");
        var row = page.Locator($"#sessions-table tr[data-session-id='{session}']");
        await Expect(row).ToContainTextAsync("1", Long);
        await page.ScreenshotIfAskedAsync("console-sessions.png");

        await row.GetByRole(AriaRole.Link, new() { Name = session }).ClickAsync();
        await Expect(page.Locator("#session-title")).ToHaveTextAsync($"Session {session}");
        var turn = page.Locator("#session-turns tbody tr");
        await Expect(turn).ToHaveCountAsync(1);
        await Expect(turn.Locator(".transcript")).ToHaveTextAsync("echo good morning");
        await Expect(turn).ToContainTextAsync("ana");
        await Expect(turn).ToContainTextAsync("echo");
        await Expect(turn.Locator(".answer-text")).ToHaveTextAsync("good morning");
        await Expect(turn).ToContainTextAsync("agent ");
    }

    [Fact]
    public async Task The_live_view_of_a_session_updates_when_an_upload_to_it_is_answered()
    {
        var session = "console-live-" + Guid.NewGuid().ToString("N")[..8];
        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, "sessions/" + session);
        await Expect(page.Locator("#session-live-status")).ToHaveAttributeAsync("data-state", "open", new() { Timeout = 30_000 });

        using var content = new ByteArrayContent(await EspeakCli.SayAsync("echo hello world", Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var upload = await service.Http.PostAsync($"/api/v1/sessions/{session}/utterances", content, Ct);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);

        var answered = page.Locator("#session-live li[data-event='answerStarted'][data-completed='true']");
        await Expect(answered).ToContainTextAsync("echo hello world", Long);
        await Expect(answered.Locator(".answer")).ToHaveTextAsync("hello world");
        await Expect(answered.Locator(".timings")).ToContainTextAsync("speech to text");
        await Expect(page.Locator("#session-live li[data-event='speechStarted']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#session-turns tbody tr .transcript")).ToHaveTextAsync("echo hello world", new() { Timeout = 60_000 });
        await Expect(page.Locator("#session-turns tbody tr").GetByRole(AriaRole.Button, new() { Name = "Play the answer to rest" })).ToBeVisibleAsync();
        await page.ScreenshotIfAskedAsync("console-session.png");
    }

    [Fact]
    public async Task The_operators_view_shows_the_agents_with_their_phrases_health_and_links()
    {
        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, "operators");

        await Expect(page.Locator("#agents-table tr[data-agent='echo']")).ToContainTextAsync("echo {text}");
        foreach (var agent in new[] { "conversation", "help", "leave", "summarization", "time" })
        {
            await Expect(page.Locator($"#agents-table tr[data-agent='{agent}']")).ToHaveCountAsync(1);
        }

        await Expect(page.Locator("#health")).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 30_000 });
        await Expect(page.Locator("#health")).ToContainTextAsync("Ready");
        await Expect(page.Locator("#guilds-status")).ToContainTextAsync("Discord is not configured");
        foreach (var (name, href) in new[] { ("Orleans Dashboard", "/dashboard/"), ("Prometheus metrics", "/metrics"), ("API reference", "/docs") })
        {
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = name })).ToHaveAttributeAsync("href", href);
        }

        await page.ScreenshotIfAskedAsync("console-operators.png");
    }

    [Theory]
    [InlineData("talk")]
    [InlineData("sessions")]
    [InlineData("operators")]
    public async Task Every_control_is_reachable_by_keyboard_and_has_a_name(string view)
    {
        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, view);
        await Expect(page.Locator($"[data-view='{view}']")).ToBeVisibleAsync();
        await ExpectLoadedAsync(page, view);

        Assert.Empty(await page.ControlsWithoutANameAsync());
        Assert.Empty(await page.ControlsNotReachedByTabAsync());
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }

    [Theory]
    [InlineData("talk")]
    [InlineData("sessions")]
    [InlineData("operators")]
    public async Task On_a_phone_sized_screen_no_view_scrolls_sideways(string view)
    {
        var page = await service.Browser.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await page.OpenAsync(service.BaseAddress, view);
        await Expect(page.Locator($"[data-view='{view}']")).ToBeVisibleAsync();
        await ExpectLoadedAsync(page, view);

        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (content, window) = (widths[0], widths[1]);

        Assert.True(content <= window, $"the {view} view is {content} px wide on a {window} px screen");
    }

    /// <summary>The view has what it loads (it is aria-busy until then); a wait for an idle network timed out when a slow request of a busy machine kept it busy.</summary>
    private static async Task ExpectLoadedAsync(IPage page, string view) =>
        await Expect(page.Locator($"[data-view='{view}']")).Not.ToHaveAttributeAsync("aria-busy", "true", new() { Timeout = 90_000 });

    [Fact]
    public async Task Views_are_reached_by_the_navigation_and_mark_the_current_one()
    {
        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, "talk");

        await page.GetByRole(AriaRole.Link, new() { Name = "Operators" }).ClickAsync();

        await Expect(page.Locator("#view-operators")).ToBeVisibleAsync();
        await Expect(page.Locator("#view-talk")).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Operators" })).ToHaveAttributeAsync("aria-current", "page");
    }
}
