using AudioOrchestrator.Ingress.Events;
using AudioOrchestrator.Silo.Endpoints;
using AudioOrchestrator.Silo.Transcripts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AudioOrchestrator.Silo.Events;

public static class SessionEventServiceCollectionExtensions
{
    /// <summary>The session events stream (options <c>SessionEvents</c>, validated at start-up), the transcript writer, and the sessions endpoints' OpenAPI examples.</summary>
    public static IServiceCollection AddSessionEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SessionEventOptions>()
            .Bind(configuration.GetSection(SessionEventOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SessionEventMapper>();
        services.TryAddSingleton<SessionEventStreamer>();
        services.TryAddSingleton<SessionTranscriptWriter>();
        services.Configure<OpenApiOptions>("v1", o => o.AddOperationTransformer<SessionOpenApiExamples>());
        return services;
    }
}
