using Microsoft.Playwright;

namespace AudioOrchestrator.Console.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by <c>scripts/setup.sh --test</c>) driven by Playwright's
/// .NET driver, headless, each page in a fresh profile (user-data directory). Playwright never downloads a browser.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    /// <summary>The browser, overridable with <c>CHROMIUM_PATH</c>.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] BaseArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage",
    ];

    /// <summary>Open browsers, by the test that opened them: a test's browsers are closed when the next test opens one.</summary>
    private readonly List<(string? Test, IBrowserContext Context)> _contexts = [];
    private readonly List<string> _profiles = [];
    private IPlaywright? _playwright;

    /// <summary>
    /// A fresh headless Chromium profile. With <paramref name="microphoneWav"/>, its microphone plays that WAV once
    /// (Chromium's fake capture device, the permission granted by the fake prompt); with <paramref name="denyMicrophone"/>
    /// the microphone permission is refused, as when a person clicks "Block".
    /// </summary>
    public async Task<IPage> NewPageAsync(string? microphoneWav = null, bool denyMicrophone = false)
    {
        _playwright ??= await Playwright.CreateAsync();
        var test = TestContext.Current.Test?.UniqueID;
        foreach (var earlier in _contexts.Where(c => c.Test != test).ToArray())
        {
            _contexts.Remove(earlier);
            await earlier.Context.CloseAsync();
        }

        var arguments = new List<string>(BaseArguments) { "--use-fake-device-for-media-stream" };
        if (microphoneWav is not null)
        {
            arguments.Add("--use-fake-ui-for-media-stream");
            arguments.Add($"--use-file-for-fake-audio-capture={microphoneWav}%noloop");
        }
        else if (denyMicrophone)
        {
            arguments.Add("--deny-permission-prompts");
        }

        var profile = Path.Combine(Path.GetTempPath(), "ao-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        _profiles.Add(profile);
        var context = await _playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = arguments,
            ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
            Timeout = 60_000,
        });
        _contexts.Add((test, context));
        context.SetDefaultTimeout(30_000);
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        // The page's console and errors go to the test's output (shown when it fails).
        var output = TestContext.Current.TestOutputHelper;
        page.Console += (_, message) => Write(output, $"[browser {message.Type}] {message.Text}");
        page.PageError += (_, error) => Write(output, $"[browser error] {error}");
        return page;
    }

    private static void Write(ITestOutputHelper? output, string line)
    {
        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // the test has ended
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, context) in _contexts)
        {
            await context.CloseAsync();
        }

        _playwright?.Dispose();
        foreach (var profile in _profiles.Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // a crashed browser may still hold a file; the temp directory is cleaned anyway
            }
        }
    }
}
