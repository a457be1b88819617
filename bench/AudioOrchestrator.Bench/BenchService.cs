using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Bench;

/// <summary>The real service, co-hosted as in production, on private ports; optionally with other speech engines.</summary>
public static class BenchService
{
    public static async Task<WebApplication> StartAsync(
        ISpeechToTextClient? speechToText = null,
        ITextToSpeechClient? textToSpeech = null,
        string? acousticModelPath = null,
        string voiceActivityDetector = "Silero",
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:ServiceId"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            ["Speech:PocketSphinx:AcousticModelPath"] = acousticModelPath,
            ["Speaker:VoiceActivityDetector"] = voiceActivityDetector,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            if (speechToText is not null)
            {
                builder.Services.AddSingleton(speechToText);
            }

            if (textToSpeech is not null)
            {
                builder.Services.AddSingleton(textToSpeech);
            }

            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        return app;
    }

}
