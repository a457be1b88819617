using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AudioOrchestrator.Console.Tests;

/// <summary>The service with an API key configured: the console asks for one, refuses a wrong one, and works with it (SSE included, through the login cookie).</summary>
public sealed class ConsoleApiKeyTests(KeyedConsoleServiceFixture service) : IClassFixture<KeyedConsoleServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_console_asks_for_a_key_and_works_once_it_is_given()
    {
        var session = "console-key-" + Guid.NewGuid().ToString("N")[..8];
        using var message = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{session}/messages") { Content = JsonContent.Create(new { text = "echo with a key" }) };
        message.Headers.Add("X-Api-Key", KeyedConsoleServiceFixture.Key);
        using var sent = await service.Http.SendAsync(message, Ct);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var page = await service.Browser.NewPageAsync();
        await page.OpenAsync(service.BaseAddress, "sessions");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "API key" });
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.Locator("#key-input")).ToBeFocusedAsync();

        await page.GetByRole(AriaRole.Textbox, new() { Name = "Key", Exact = true }).FillAsync("not-the-key");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#key-error")).ToContainTextAsync("not one this service accepts");
        await Expect(dialog).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Textbox, new() { Name = "Key", Exact = true }).FillAsync(KeyedConsoleServiceFixture.Key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator($"#sessions-table tr[data-session-id='{session}']")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.Empty(await page.EvaluateAsync<string>("() => document.cookie")); // HttpOnly: the page never reads the key

        // EventSource cannot send headers: the login cookie authenticates the live view.
        await page.OpenAsync(service.BaseAddress, "sessions/" + session);
        await Expect(page.Locator("#session-live-status")).ToHaveAttributeAsync("data-state", "open", new() { Timeout = 30_000 });
        await Expect(page.Locator("#session-turns .transcript")).ToHaveTextAsync("echo with a key");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.OpenAsync(service.BaseAddress, "operators");
        await Expect(dialog).ToBeVisibleAsync();
    }
}

/// <summary>The console's service with one admin API key.</summary>
public sealed class KeyedConsoleServiceFixture : ConsoleServiceFixture
{
    public const string Key = "console-test-key";

    protected override Task<IReadOnlyDictionary<string, string?>> SettingsAsync() => Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
    {
        ["Auth:ApiKeys:0:Name"] = "console",
        ["Auth:ApiKeys:0:KeySha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Key))),
        ["Auth:ApiKeys:0:Scopes:0"] = "admin",
    });
}
