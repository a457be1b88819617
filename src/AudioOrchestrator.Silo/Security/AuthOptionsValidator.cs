using System.Globalization;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Security;

/// <summary>Refuses to start with keys that cannot work: no name, a name twice, a hash that is not SHA-256 hex, an unknown scope, a bad guild id.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            var at = $"Auth:ApiKeys:{i.ToString(CultureInfo.InvariantCulture)}";
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                failures.Add($"{at}:Name is empty: every API key needs a unique name.");
            }
            else if (!names.Add(key.Name.Trim()))
            {
                failures.Add($"{at}:Name '{key.Name}' is used by another API key: names must be unique.");
            }

            if (!ApiKeyHash.TryParseHex(key.KeySha256, out _))
            {
                failures.Add($"{at}:KeySha256 is not a SHA-256 in hex (64 hex digits): got '{key.KeySha256}'. Run the service with --new-api-key NAME --scopes ... to make a key and its hash.");
            }
            else if (!hashes.Add(key.KeySha256!))
            {
                failures.Add($"{at}:KeySha256 is the hash of another configured key: each key is configured once.");
            }

            if (key.Scopes.Count == 0)
            {
                failures.Add($"{at}:Scopes is empty: give the key one or more of {string.Join(", ", ApiScopes.All)}.");
            }

            foreach (var scope in key.Scopes.Where(s => !ApiScopes.IsKnown(s)))
            {
                failures.Add($"{at}:Scopes has an unknown scope '{scope}': the scopes are {string.Join(", ", ApiScopes.All)}.");
            }

            foreach (var guild in key.Guilds.Where(g => !ApiKeyGuilds.TryNormalize(g, out _)))
            {
                failures.Add($"{at}:Guilds has '{guild}', which is not a Discord guild id (a non-zero unsigned 64-bit decimal).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
