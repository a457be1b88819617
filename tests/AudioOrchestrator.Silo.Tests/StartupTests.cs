using AudioOrchestrator.Audio;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>Misconfiguration stops the service at start-up with a message that says what to fix.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Missing_silero_model_fails_start_up_with_the_fix()
    {
        await using var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Speaker:Silero:ModelPath"] = "/nonexistent/silero_vad_v5.onnx",
            });
        });

        var error = await Assert.ThrowsAsync<SileroVadModelException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("/nonexistent/silero_vad_v5.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_naming_the_key()
    {
        await using var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Ingress:FramesPerEvent"] = "0" });
        });

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("FramesPerEvent", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("36501")]
    public async Task An_invalid_retention_fails_start_up_naming_the_key(string days)
    {
        await using var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Sessions:RetentionDays"] = days });
        });

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("RetentionDays", error.Message, StringComparison.Ordinal);
    }
}
