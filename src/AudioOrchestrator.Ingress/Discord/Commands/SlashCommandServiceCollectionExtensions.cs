using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Rest;
using AudioOrchestrator.Ingress.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord.Commands;

public static class SlashCommandServiceCollectionExtensions
{
    /// <summary>
    /// Registers the slash commands (<see cref="SlashCommandService"/>, hosted) and <see cref="DiscordTextFallback"/> as
    /// the <see cref="IDiscordTextFallback"/>, when <c>Discord:Token</c> is set; call after
    /// <c>AddDiscordTransport</c> (it provides the shards and <see cref="IGuildVoiceControl"/>).
    /// </summary>
    public static IServiceCollection AddDiscordSlashCommands(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!DiscordTransportServiceCollectionExtensions.IsDiscordConfigured(configuration))
        {
            return services;
        }

        services.AddOptions<DiscordOptions>().Bind(configuration.GetSection(DiscordOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiscordOptions>, DiscordOptionsValidator>());
        services.AddOptions<DiscordRestOptions>().Bind(configuration.GetSection(DiscordRestOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiscordRestOptions>, DiscordRestOptionsValidator>());
        services.AddOptions<DiscordCommandOptions>().Bind(configuration.GetSection(DiscordCommandOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiscordCommandOptions>, DiscordCommandOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        // Its own HttpClient, not IHttpClientFactory's: the factory's handlers log request URLs, and interaction URLs carry tokens.
        services.TryAddSingleton(sp => new DiscordInteractionRestClient(
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }),
            sp.GetRequiredService<IOptions<DiscordOptions>>(),
            sp.GetRequiredService<IOptions<DiscordRestOptions>>(),
            sp.GetRequiredService<ILogger<DiscordInteractionRestClient>>(),
            sp.GetRequiredService<TimeProvider>(),
            ownsHttpClient: true));
        services.TryAddSingleton<IDiscordVoiceStates, ShardVoiceStates>();
        services.TryAddSingleton<DiscordTextChannels>();
        services.TryAddSingleton<TextAnswerLedger>();
        services.TryAddSingleton<SlashCommandStatistics>();
        services.TryAddSingleton<TextTurnSender>(); // /ask is a text turn, as POST .../messages
        services.TryAddSingleton<DiscordQuestionAsker>();
        services.TryAddSingleton<SlashCommandHandler>();
        services.TryAddSingleton<SlashCommandService>();
        services.AddHostedService(sp => sp.GetRequiredService<SlashCommandService>());
        services.RemoveAll<IDiscordTextFallback>();
        services.AddSingleton<IDiscordTextFallback, DiscordTextFallback>();
        return services;
    }
}
