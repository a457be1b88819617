using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AudioOrchestrator.Silo.Health;

/// <summary>
/// Ready when the speech engines could be created (models found, native libraries loaded). With Whisper in a chain, its
/// model file must exist, be a ggml model and load in whisper.cpp; the message says which of those failed.
/// </summary>
public sealed class SpeechEnginesHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            _ = services.GetRequiredService<ISpeechToTextClient>();
            _ = services.GetRequiredService<ITextToSpeechClient>();
            if (services.GetService<SpeechEngines>() is { } engines && engines.UsesWhisper)
            {
                var whisper = services.GetRequiredService<WhisperSpeechToTextClient>();
                if (whisper.ModelProblem is { } problem)
                {
                    return Task.FromResult(HealthCheckResult.Unhealthy(problem));
                }

                whisper.EnsureLoaded();
            }

            return Task.FromResult(HealthCheckResult.Healthy());
        }
#pragma warning disable CA1031 // Report any construction failure as unhealthy with its reason.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Speech engines failed to start: " + ex.Message, ex));
        }
    }
}
