namespace AudioOrchestrator.Silo.Security;

/// <summary>What an API key may do (<c>Auth:ApiKeys:{n}:Scopes</c>). <see cref="Admin"/> implies every other scope.</summary>
public static class ApiScopes
{
    /// <summary>Read sessions, their turns and answer audio, the archive listing, agents and the guilds' voice state.</summary>
    public const string SessionsRead = "sessions:read";

    /// <summary>Ask: upload utterances and send text messages into sessions.</summary>
    public const string SessionsWrite = "sessions:write";

    /// <summary>Join and leave Discord voice channels.</summary>
    public const string GuildsOperate = "guilds:operate";

    /// <summary>The Orleans Dashboard, <c>/metrics</c>, deleting sessions; and everything the other scopes allow.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [SessionsRead, SessionsWrite, GuildsOperate, Admin];

    /// <summary>Whether <paramref name="scope"/> is one of <see cref="All"/> (exact, lowercase).</summary>
    public static bool IsKnown(string? scope) => scope is not null && All.Contains(scope, StringComparer.Ordinal);
}
