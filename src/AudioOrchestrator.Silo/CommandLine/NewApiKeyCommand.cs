using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using AudioOrchestrator.Silo.Security;

namespace AudioOrchestrator.Silo.CommandLine;

/// <summary>
/// <c>--new-api-key NAME --scopes sessions:read,sessions:write [--guilds 123,456]</c>: prints a new random key
/// (32 bytes, base64url), its SHA-256 and the configuration that accepts it; the service is not started.
/// </summary>
public sealed record NewApiKeyCommand(string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> Guilds)
{
    /// <summary>Random bytes in a key.</summary>
    public const int KeyBytes = 32;

    public static bool TryParse(string[] args, out NewApiKeyCommand? command, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        command = null;
        error = null;
        var nameIndex = Array.IndexOf(args, "--new-api-key");
        if (nameIndex < 0)
        {
            return false;
        }

        var name = nameIndex + 1 < args.Length && !args[nameIndex + 1].StartsWith("--", StringComparison.Ordinal) ? args[nameIndex + 1].Trim() : "";
        if (name.Length == 0)
        {
            error = "--new-api-key needs the key's name, e.g. --new-api-key console --scopes sessions:read,sessions:write.";
            return true;
        }

        var scopes = List(args, "--scopes");
        if (scopes.Length == 0)
        {
            error = $"--scopes is required: a comma-separated list of {string.Join(", ", ApiScopes.All)}.";
            return true;
        }

        if (scopes.FirstOrDefault(s => !ApiScopes.IsKnown(s)) is { } unknown)
        {
            error = $"Unknown scope '{unknown}': the scopes are {string.Join(", ", ApiScopes.All)}.";
            return true;
        }

        var guilds = new List<string>();
        foreach (var guild in List(args, "--guilds"))
        {
            if (!ApiKeyGuilds.TryNormalize(guild, out var id))
            {
                error = $"'{guild}' is not a Discord guild id (a non-zero unsigned 64-bit decimal).";
                return true;
            }

            guilds.Add(id);
        }

        command = new NewApiKeyCommand(name, [.. scopes.Distinct(StringComparer.Ordinal)], [.. guilds.Distinct(StringComparer.Ordinal)]);
        return true;
    }

    /// <summary>Makes a key and prints it with its hash and configuration; returns the exit code.</summary>
    public int Run(TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyBytes));
        var hash = ApiKeyHash.HexOf(key);
        stdout.WriteLine($"API key '{Name}' (shown only now: the service keeps its hash, not the key):");
        stdout.WriteLine();
        stdout.WriteLine($"  {key}");
        stdout.WriteLine();
        stdout.WriteLine($"SHA-256: {hash}");
        stdout.WriteLine($"Scopes:  {string.Join(", ", Scopes)}");
        stdout.WriteLine($"Guilds:  {(Guilds.Count == 0 ? "every guild" : string.Join(", ", Guilds))}");
        stdout.WriteLine();
        stdout.WriteLine("appsettings.json (add to the Auth:ApiKeys list):");
        stdout.WriteLine(JsonSerializer.Serialize(Settings(hash), SnippetJson));
        stdout.WriteLine();
        stdout.WriteLine("Environment variables (use the next free index instead of 0 when other keys are configured):");
        foreach (var line in EnvironmentVariables(hash, 0))
        {
            stdout.WriteLine(line);
        }

        stdout.WriteLine();
        stdout.WriteLine("Callers send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        return 0;
    }

    /// <summary>The key's configuration as environment variables, at index <paramref name="index"/> of the list.</summary>
    public IEnumerable<string> EnvironmentVariables(string keySha256, int index)
    {
        var prefix = $"Auth__ApiKeys__{index.ToString(CultureInfo.InvariantCulture)}__";
        yield return $"{prefix}Name={Name}";
        yield return $"{prefix}KeySha256={keySha256}";
        for (var i = 0; i < Scopes.Count; i++)
        {
            yield return $"{prefix}Scopes__{i.ToString(CultureInfo.InvariantCulture)}={Scopes[i]}";
        }

        for (var i = 0; i < Guilds.Count; i++)
        {
            yield return $"{prefix}Guilds__{i.ToString(CultureInfo.InvariantCulture)}={Guilds[i]}";
        }
    }

    private static readonly JsonSerializerOptions SnippetJson = new() { WriteIndented = true };

    private object Settings(string hash)
    {
        var entry = new Dictionary<string, object> { ["Name"] = Name, ["KeySha256"] = hash, ["Scopes"] = Scopes };
        if (Guilds.Count > 0)
        {
            entry["Guilds"] = Guilds;
        }

        return new Dictionary<string, object> { ["Auth"] = new Dictionary<string, object> { ["ApiKeys"] = new[] { entry } } };
    }

    private static string[] List(string[] args, string option)
    {
        var index = Array.IndexOf(args, option);
        return index < 0 || index + 1 >= args.Length
            ? []
            : args[index + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
