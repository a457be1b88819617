using AudioOrchestrator.Ingress.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AudioOrchestrator.Ingress.Live;

public static class LiveVoiceServiceCollectionExtensions
{
    /// <summary>The live voice WebSocket's services (options <c>LiveVoice</c>, validated at start-up). Map it with <see cref="LiveVoiceEndpoints.MapLiveVoiceEndpoint"/>.</summary>
    public static IServiceCollection AddLiveVoice(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LiveVoiceOptions>()
            .Bind(configuration.GetSection(LiveVoiceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SessionEventMapper>();
        services.TryAddSingleton<LiveEventWriter>();
        services.TryAddSingleton<LiveSocketRegistry>();
        services.TryAddSingleton<LiveVoiceMetrics>();
        services.TryAddSingleton<LiveVoiceServices>();
        return services;
    }
}
