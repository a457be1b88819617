using System.Security.Claims;

namespace AudioOrchestrator.Silo.Security;

/// <summary>The caller as the API key handler describes it: key name, scopes, guilds.</summary>
public static class ApiCaller
{
    /// <summary>The authentication type of a request made with a configured key.</summary>
    public const string KeyAuthenticationType = "ApiKey";

    /// <summary>The authentication type of a request to an open service (no key configured, open access granted).</summary>
    public const string OpenAuthenticationType = "Open";

    /// <summary>Claim: the name of the key used.</summary>
    public const string KeyNameClaim = "api_key";

    /// <summary>Claim: one scope of the key (one claim per scope).</summary>
    public const string ScopeClaim = "scope";

    /// <summary>Claim: one guild the key is restricted to (none: every guild).</summary>
    public const string GuildClaim = "guild";

    /// <summary>The caller of a configured key.</summary>
    public static ClaimsPrincipal ForKey(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name), new(KeyNameClaim, key.Name) };
        claims.AddRange(key.Scopes.Select(s => new Claim(ScopeClaim, s)));
        claims.AddRange((key.Guilds ?? []).Select(g => new Claim(GuildClaim, g)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, KeyAuthenticationType));
    }

    /// <summary>The caller of an open service: every scope, every guild.</summary>
    public static ClaimsPrincipal Open() => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, "anonymous"), new Claim(ScopeClaim, ApiScopes.Admin)], OpenAuthenticationType));

    /// <summary>Whether the caller has <paramref name="scope"/> (<see cref="ApiScopes.Admin"/> has them all).</summary>
    public static bool HasScope(this ClaimsPrincipal user, string scope)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true
            && user.Claims.Any(c => c.Type == ScopeClaim && (c.Value == scope || c.Value == ApiScopes.Admin));
    }

    /// <summary>The name of the key the caller used; null for an open service's caller or no caller.</summary>
    public static string? KeyName(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true ? user.FindFirst(KeyNameClaim)?.Value : null;
    }

    /// <summary>The guilds the caller is restricted to; null when it may see every session and guild.</summary>
    public static IReadOnlySet<string>? RestrictedGuilds(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var guilds = user.FindAll(GuildClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return guilds.Count == 0 ? null : guilds;
    }
}
