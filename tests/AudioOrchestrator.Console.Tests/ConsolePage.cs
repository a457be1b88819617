using Microsoft.Playwright;

namespace AudioOrchestrator.Console.Tests;

/// <summary>What the console tests do with a page: open a view, read its state, check its controls.</summary>
public static class ConsolePage
{
    public static async Task OpenAsync(this IPage page, Uri service, string route)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(new Uri(service, "/#/" + route).ToString());
    }

    /// <summary>Saves a screenshot of the page into <c>AO_CONSOLE_SCREENSHOTS</c> (e.g. docs/images) when that is set; CI leaves the committed files alone.</summary>
    public static async Task ScreenshotIfAskedAsync(this IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (Environment.GetEnvironmentVariable("AO_CONSOLE_SCREENSHOTS") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name), FullPage = false });
        }
    }

    /// <summary>
    /// Presses Tab until focus comes round and returns the visible controls (buttons, links, inputs, selects) that never
    /// got it, described by tag and text.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ControlsNotReachedByTabAsync(this IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var count = await page.EvaluateAsync<int>("""
            () => {
              const controls = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
                .filter(e => e.getClientRects().length > 0 && !e.disabled && !e.closest('[hidden], dialog:not([open])'));
              controls.forEach((e, i) => e.dataset.axIndex = String(i));
              window.__reached = new Set();
              document.addEventListener('focusin', e => { if (e.target.dataset?.axIndex) window.__reached.add(e.target.dataset.axIndex); });
              document.activeElement?.blur();
              return controls.length;
            }
            """);
        for (var i = 0; i < count + 3; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        return await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('[data-ax-index]')]
              .filter(e => !window.__reached.has(e.dataset.axIndex))
              .map(e => `${e.tagName.toLowerCase()}#${e.id} "${(e.textContent || e.getAttribute('aria-label') || '').trim()}"`)
            """);
    }

    /// <summary>The interactive nodes of Chromium's accessibility tree (buttons, links, text boxes, ...) that have no accessible name.</summary>
    public static async Task<IReadOnlyList<string>> ControlsWithoutANameAsync(this IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var tree = await cdp.SendAsync("Accessibility.getFullAXTree");
        string[] roles = ["button", "link", "textbox", "combobox", "checkbox", "radio", "slider", "spinbutton", "searchbox", "meter"];
        var unnamed = new List<string>();
        foreach (var node in tree!.Value.GetProperty("nodes").EnumerateArray())
        {
            if (node.TryGetProperty("ignored", out var ignored) && ignored.GetBoolean())
            {
                continue;
            }

            var role = node.TryGetProperty("role", out var r) && r.TryGetProperty("value", out var rv) ? rv.GetString() : null;
            if (role is null || !roles.Contains(role, StringComparer.Ordinal))
            {
                continue;
            }

            var name = node.TryGetProperty("name", out var n) && n.TryGetProperty("value", out var nv) ? nv.GetString() : null;
            if (string.IsNullOrWhiteSpace(name))
            {
                unnamed.Add($"{role} (node {node.GetProperty("nodeId").GetString()})");
            }
        }

        await cdp.DetachAsync();
        return unnamed;
    }
}
