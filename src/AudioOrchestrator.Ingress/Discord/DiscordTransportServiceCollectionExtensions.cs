using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Discord.Rest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord;

public static class DiscordTransportServiceCollectionExtensions
{
    /// <summary>True when <c>Discord:Token</c> is configured (the transport runs only then).</summary>
    public static bool IsDiscordConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[$"{DiscordOptions.SectionName}:{nameof(DiscordOptions.Token)}"]);
    }

    /// <summary>
    /// Registers the Discord transport (gateway shards, guild voice manager, <see cref="DiscordTransport"/> as a hosted
    /// service and as <see cref="IGuildVoiceControl"/>) when <c>Discord:Token</c> is set; otherwise nothing but the
    /// default <see cref="IDiscordTextFallback"/>. Options are validated at start-up.
    /// </summary>
    public static IServiceCollection AddDiscordTransport(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton<IDiscordTextFallback, LoggingDiscordTextFallback>();
        if (!IsDiscordConfigured(configuration))
        {
            return services;
        }

        services.AddOptions<DiscordOptions>().Bind(configuration.GetSection(DiscordOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiscordOptions>, DiscordOptionsValidator>());
        services.AddOptions<GuildVoiceOptions>().Bind(configuration.GetSection(GuildVoiceOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GuildVoiceOptions>, GuildVoiceOptionsValidator>());
        services.AddOptions<DiscordTransportOptions>().Bind(configuration.GetSection(DiscordTransportOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<DiscordIngressMetrics>();
        services.TryAddSingleton(sp => new DiscordRestClient(new HttpClient(), sp.GetRequiredService<IOptions<DiscordOptions>>()));
        services.TryAddSingleton(sp => new DiscordShardManager(
            sp.GetRequiredService<IOptions<DiscordOptions>>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<DiscordRestClient>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new GuildVoiceManager(
            sp.GetRequiredService<DiscordShardManager>(),
            sp.GetRequiredService<IOptions<GuildVoiceOptions>>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ShardLeaseKeeper>();
        services.TryAddSingleton<DiscordTransport>();
        services.TryAddSingleton<IGuildVoiceControl>(sp => sp.GetRequiredService<DiscordTransport>());
        services.AddHostedService(sp => sp.GetRequiredService<DiscordTransport>());
        return services;
    }
}
