using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Listening;

/// <summary>
/// Options that a Discord guild may override: <c>{Section}:Guilds:{guildId}:...</c> holds only the keys that differ.
/// Each guild with an override gets named options (<see cref="OptionsName"/>) bound from the base section and then
/// from its override section, validated at start-up like the base.
/// </summary>
public static class GuildOverrides
{
    public const string GuildsKey = "Guilds";

    /// <summary>The name of a guild's options.</summary>
    public static string OptionsName(ulong guildId) => "guild:" + guildId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Registers <typeparamref name="TOptions"/> from <paramref name="section"/> and one named instance per guild override.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The base section, e.g. <c>Speaker</c>.</param>
    /// <param name="afterBind">Fix-ups after binding one section (e.g. replace a list instead of appending to it).</param>
    public static void AddGuildOverridable<TOptions>(this IServiceCollection services, IConfigurationSection section, Action<IConfigurationSection, TOptions>? afterBind = null)
        where TOptions : class
    {
        services.AddOptions<TOptions>()
            .Configure(o => Bind(section, o, afterBind))
            .ValidateDataAnnotations().ValidateOnStart();
        var guilds = section.GetSection(GuildsKey);
        foreach (var guild in guilds.GetChildren())
        {
            if (!ulong.TryParse(guild.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var guildId))
            {
                // Reported by the start-up validation of the base options rather than thrown from registration.
                services.AddSingleton<IValidateOptions<TOptions>>(new InvalidGuildKey<TOptions>(guild.Path));
                continue;
            }

            services.AddOptions<TOptions>(OptionsName(guildId))
                .Configure(o =>
                {
                    Bind(section, o, afterBind);
                    Bind(guild, o, afterBind);
                })
                .ValidateDataAnnotations().ValidateOnStart();
        }

        services.AddSingleton(new GuildOverrideSet<TOptions>(
            guilds.GetChildren()
                .Select(g => ulong.TryParse(g.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : (ulong?)null)
                .OfType<ulong>()
                .ToHashSet()));
    }

    private static void Bind<TOptions>(IConfigurationSection section, TOptions options, Action<IConfigurationSection, TOptions>? afterBind)
        where TOptions : class
    {
        section.Bind(options);
        afterBind?.Invoke(section, options);
    }

    private sealed class InvalidGuildKey<TOptions>(string path) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options) =>
            ValidateOptionsResult.Fail($"{path}: a guild override must be keyed by the guild's numeric id.");
    }
}

/// <summary>The guilds that override <typeparamref name="TOptions"/>.</summary>
public sealed record GuildOverrideSet<TOptions>(IReadOnlySet<ulong> GuildIds);

/// <summary>Resolves <typeparamref name="TOptions"/> for a session's guild (its profile's): the guild's override, else the base options.</summary>
public sealed class GuildOptions<TOptions>(IOptionsMonitor<TOptions> monitor, GuildOverrideSet<TOptions> overrides)
    where TOptions : class
{
    /// <summary>The options that apply in <paramref name="guildId"/> (decimal; null = not a guild's session).</summary>
    public TOptions For(string? guildId) =>
        ulong.TryParse(guildId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && overrides.GuildIds.Contains(id)
            ? monitor.Get(GuildOverrides.OptionsName(id))
            : monitor.CurrentValue;
}
