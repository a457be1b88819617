using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Ingress.Uploads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AudioOrchestrator.Ingress;

public static class IngressServiceCollectionExtensions
{
    /// <summary>Registers the AudioIngress gateway's services (stream publisher, output hub, REST/file transport, text turns).</summary>
    public static IServiceCollection AddAudioIngress(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<IngressOptions>()
            .Bind(configuration.GetSection(IngressOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SpeakerAudioPublisher>();
        services.TryAddSingleton<SessionOutputHub>();
        services.TryAddSingleton<UploadAnswerWaiter>();
        services.TryAddSingleton<UtteranceUploadProcessor>();
        services.TryAddSingleton<AnswerAudioKeeper>();
        services.TryAddSingleton<TextTurnSender>();
        return services;
    }
}
