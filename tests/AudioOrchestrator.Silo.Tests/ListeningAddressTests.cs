using System.Diagnostics;
using System.Globalization;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>Where the service listens: loopback port 5000 unless configured the ASP.NET Core ways.</summary>
public sealed class ListeningAddressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_configuration_the_service_listens_on_loopback_port_5000_and_urls_overrides_it()
    {
        await using var plain = ServiceApp.Build([]);
        await using var configured = ServiceApp.Build(["--urls", "http://127.0.0.1:5123"]);

        Assert.Equal(ServiceApp.DefaultUrl, plain.Configuration["urls"]);
        Assert.Equal("http://127.0.0.1:5123", configured.Configuration["urls"]);
    }

    [Fact]
    public async Task ASPNETCORE_URLS_sets_where_the_service_process_listens()
    {
        var port = LoopbackPorts.Free();
        var program = Path.Combine(AppContext.BaseDirectory, "AudioOrchestrator.Silo.dll");
        var start = new ProcessStartInfo("dotnet", [program, $"--Speech:PocketSphinx:AcousticModelPath={await EspeakVoiceEnrolment.GetModelAsync(Ct)}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        start.Environment["Cluster__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        start.Environment["Cluster__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        _ = process.StandardError.ReadToEndAsync(Ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}") };
            await TestWait.UntilAsync(async () => !process.HasExited && await IsLiveAsync(http), "the service to answer on the ASPNETCORE_URLS address", TimeSpan.FromSeconds(90));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }

        Assert.Contains($"Now listening on: http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", await output, StringComparison.Ordinal);
    }

    private static async Task<bool> IsLiveAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("/health/live", Ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
