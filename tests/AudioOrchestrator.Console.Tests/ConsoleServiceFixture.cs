using System.Globalization;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AudioOrchestrator.Console.Tests;

/// <summary>
/// The real service (co-hosted silo, embedded pocketsphinx enrolled to espeak-ng's voice, Kestrel on a free loopback
/// port) serving the console, with its own SQLite archive; and a Chromium to look at it with.
/// </summary>
public class ConsoleServiceFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The service's address, e.g. http://127.0.0.1:41234 (the console's origin).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public string ArchivePath { get; } = TestArchive.NewSqlitePath();

    public IServiceProvider Services => _app!.Services;

    public Chromium Browser { get; } = new();

    /// <summary>Settings on top of the fixture's (API keys, a language model); read once, before the service starts.</summary>
    protected virtual Task<IReadOnlyDictionary<string, string?>> SettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Speech:PocketSphinx:AcousticModelPath"] = await EspeakVoiceEnrolment.GetModelAsync(CancellationToken.None),
            ["Archive:SqlitePath"] = ArchivePath,
        };
        foreach (var (key, value) in await SettingsAsync())
        {
            settings[key] = value;
        }

        _app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
        });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        TestArchive.Delete(ArchivePath);

        GC.SuppressFinalize(this);
    }
}
