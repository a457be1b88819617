namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// Who may call the service (<c>Auth</c>): API keys by the SHA-256 of the key, each with scopes and optionally
/// restricted to Discord guilds. With no key, the service is open, which it only accepts on loopback addresses unless
/// <see cref="AllowAnonymous"/> is set.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The accepted keys (<c>Auth:ApiKeys:{n}:...</c>).</summary>
    public IList<ApiKeyOptions> ApiKeys { get; } = [];

    /// <summary>Serve without keys on a non-loopback address too (behind a proxy that authenticates, say). No effect when keys are configured.</summary>
    public bool AllowAnonymous { get; set; }
}

/// <summary>One API key as configured: the key itself is never stored, only its SHA-256.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>A unique name: in logs, rate-limit partitions and the <c>--new-api-key</c> output.</summary>
    public string? Name { get; set; }

    /// <summary>The SHA-256 of the key's UTF-8 text, as 64 hex digits (either case).</summary>
    public string? KeySha256 { get; set; }

    /// <summary>What the key may do: <c>sessions:read</c>, <c>sessions:write</c>, <c>guilds:operate</c>, <c>admin</c>.</summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>Discord guild ids the key is restricted to; empty for every session.</summary>
    public IList<string> Guilds { get; } = [];
}
