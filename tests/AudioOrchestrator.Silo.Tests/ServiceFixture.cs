using System.Net;
using System.Net.Sockets;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// The real service (co-hosted silo, embedded pocketsphinx and espeak-ng, Kestrel) on free loopback ports.
/// </summary>
public class ServiceFixture : IAsyncLifetime
{
    public const long UploadLimit = 1024 * 1024;

    private WebApplication? _app;

    public CapturedLogs Logs { get; } = new();

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The fixture's own SQLite turn archive (deleted with the fixture).</summary>
    public string ArchivePath { get; } = Path.Combine(Path.GetTempPath(), "ao-archive-" + Guid.NewGuid().ToString("N")[..12] + ".db");

    public IServiceProvider Services => _app!.Services;

    /// <summary>The acoustic model enrolled to espeak-ng's voice, which speaks every question in these tests.</summary>
    public string AcousticModelPath { get; private set; } = "";

    /// <summary>Settings on top of the fixture's (e.g. a language model); read once, before the service starts.</summary>
    protected virtual Task<IReadOnlyDictionary<string, string?>> SettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());

    /// <summary>Changes to the host beyond settings (e.g. Kestrel's sockets); called once, before the service is built.</summary>
    protected virtual void Customize(WebApplicationBuilder builder)
    {
    }

    public async ValueTask InitializeAsync()
    {
        AcousticModelPath = await EspeakVoiceEnrolment.GetModelAsync(CancellationToken.None);
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingress:MaxUploadBytes"] = UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Speech:PocketSphinx:AcousticModelPath"] = AcousticModelPath,
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
            builder.Logging.AddProvider(Logs);
            Customize(builder);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
    }

    public virtual async ValueTask DisposeAsync()
    {
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
