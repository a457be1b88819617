using System.Net;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>With Whisper configured, the readiness check says what is wrong with the model file, or is healthy with a usable one.</summary>
public sealed class WhisperHealthTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("whisper-health-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_missing_model_file_makes_the_service_unready_saying_which_file_and_a_usable_one_makes_it_ready()
    {
        var missing = Path.Combine(_directory, "ggml-base.en.bin");
        var (status, body) = await ReadinessAsync(missing);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("speech: Unhealthy", body, StringComparison.Ordinal);
        Assert.Contains($"The Whisper model file '{missing}' (Speech:Whisper:ModelPath) does not exist.", body, StringComparison.Ordinal);

        (status, body) = await ReadinessAsync(WhisperTestModel.Write(_directory));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (status, body));
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadinessAsync(string modelPath)
    {
        await using var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Speech:SpeechToText"] = "Whisper",
                ["Speech:Whisper:ModelPath"] = modelPath,
                ["Speech:Whisper:Processors"] = "1",
            });
        });
        await app.StartAsync(Ct);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            using var response = await http.GetAsync("/health/ready", Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }
        finally
        {
            await app.StopAsync(Ct);
        }
    }
}
