using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Security;

/// <summary>A configured key, resolved: its hash, scopes and guilds (null: every guild).</summary>
public sealed record ApiKey(string Name, byte[] Hash, FrozenSet<string> Scopes, FrozenSet<string>? Guilds);

/// <summary>The configured API keys; finds the key a request presents by comparing hashes in constant time.</summary>
public sealed class ApiKeyRegistry
{
    private readonly ApiKey[] _keys;

    public ApiKeyRegistry(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = [.. options.Value.ApiKeys.Select(Resolve)];
    }

    /// <summary>Keys are configured: every request but the probes and the API reference needs one.</summary>
    public bool HasKeys => _keys.Length > 0;

    /// <summary>The configured key whose hash is the presented key's; null when none is.</summary>
    public ApiKey? Find(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var hash = ApiKeyHash.Of(presented);
        ApiKey? found = null;
        foreach (var key in _keys)
        {
            // Every key is compared, each in constant time: the time taken says nothing about which hash came close.
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash))
            {
                found = key;
            }
        }

        return found;
    }

    private static ApiKey Resolve(ApiKeyOptions key)
    {
        if (!ApiKeyHash.TryParseHex(key.KeySha256, out var hash) || string.IsNullOrWhiteSpace(key.Name))
        {
            throw new OptionsValidationException(AuthOptions.SectionName, typeof(AuthOptions), [$"API key '{key.Name}' is not valid."]);
        }

        var guilds = key.Guilds.Select(g => ApiKeyGuilds.TryNormalize(g, out var id) ? id : g).ToFrozenSet(StringComparer.Ordinal);
        return new ApiKey(key.Name.Trim(), hash, key.Scopes.ToFrozenSet(StringComparer.Ordinal), guilds.Count == 0 ? null : guilds);
    }
}
