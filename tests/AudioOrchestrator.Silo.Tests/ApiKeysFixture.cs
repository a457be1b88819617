using AudioOrchestrator.Silo.Security;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>The real service with API keys configured: one key per scope, a guild-restricted admin key, and their keys in clear for the tests.</summary>
public sealed class ApiKeysFixture : ServiceFixture
{
    public const string OwnGuild = "111";
    public const string OtherGuild = "222";

    /// <summary>Key text by name; each configured with the single scope of the same name.</summary>
    public static IReadOnlyDictionary<string, string> ScopeKeys { get; } = ApiScopes.All.ToDictionary(s => s, s => "test-key-" + s.Replace(':', '-'));

    /// <summary>A key with every scope (admin), restricted to <see cref="OwnGuild"/>.</summary>
    public const string GuildKey = "test-key-guild-111-admin";

    protected override Task<IReadOnlyDictionary<string, string?>> SettingsAsync()
    {
        var settings = new Dictionary<string, string?>();
        var index = 0;
        foreach (var (scope, key) in ScopeKeys)
        {
            Key(settings, index++, scope.Replace(':', '-'), key, [scope], []);
        }

        Key(settings, index, "guild-111", GuildKey, [ApiScopes.Admin], [OwnGuild]);
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(settings);
    }

    /// <summary>Adds key <paramref name="index"/> to <paramref name="settings"/> the way operators configure it.</summary>
    public static void Key(Dictionary<string, string?> settings, int index, string name, string key, string[] scopes, string[] guilds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(guilds);
        var prefix = $"Auth:ApiKeys:{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}:";
        settings[prefix + "Name"] = name;
        settings[prefix + "KeySha256"] = index % 2 == 0 ? ApiKeyHash.HexOf(key) : ApiKeyHash.HexOf(key).ToUpperInvariant(); // either case
        for (var i = 0; i < scopes.Length; i++)
        {
            settings[$"{prefix}Scopes:{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}"] = scopes[i];
        }

        for (var i = 0; i < guilds.Length; i++)
        {
            settings[$"{prefix}Guilds:{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}"] = guilds[i];
        }
    }
}
