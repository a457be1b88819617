using Microsoft.AspNetCore.Authorization;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// The authorization policies: one per scope (same name as the scope), and <see cref="GuildStatus"/>. The fallback
/// policy asks for a valid key on every endpoint without a policy of its own, so a new endpoint is never open by mistake.
/// </summary>
public static class ApiPolicies
{
    public const string SessionsRead = ApiScopes.SessionsRead;
    public const string SessionsWrite = ApiScopes.SessionsWrite;
    public const string GuildsOperate = ApiScopes.GuildsOperate;
    public const string Admin = ApiScopes.Admin;

    /// <summary>The guilds' voice state: <c>sessions:read</c> or <c>guilds:operate</c>.</summary>
    public const string GuildStatus = "guild-status";

    /// <summary>The scopes that satisfy each policy (<see cref="ApiScopes.Admin"/> satisfies every one).</summary>
    public static IReadOnlyDictionary<string, string[]> Scopes { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [SessionsRead] = [ApiScopes.SessionsRead],
        [SessionsWrite] = [ApiScopes.SessionsWrite],
        [GuildsOperate] = [ApiScopes.GuildsOperate],
        [Admin] = [ApiScopes.Admin],
        [GuildStatus] = [ApiScopes.SessionsRead, ApiScopes.GuildsOperate],
    };

    internal static void Add(AuthorizationOptions options)
    {
        var authenticated = new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
        options.DefaultPolicy = authenticated;
        options.FallbackPolicy = authenticated;
        foreach (var (policy, scopes) in Scopes)
        {
            options.AddPolicy(policy, p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => scopes.Any(context.User.HasScope)));
        }
    }

    /// <summary>
    /// For endpoints mapped outside this project (the ingress's uploads, messages, answer audio): GET reads
    /// (<see cref="SessionsRead"/>), any other method writes (<see cref="SessionsWrite"/>). Runs as a group's
    /// <c>Finally</c> convention, when the endpoint's methods are known.
    /// </summary>
    internal static void ReadsAndWrites(EndpointBuilder endpoint)
    {
        var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToArray();
        var reads = methods.Length > 0 && methods.All(m => HttpMethods.IsGet(m) || HttpMethods.IsHead(m));
        endpoint.Metadata.Add(new AuthorizeAttribute(reads ? SessionsRead : SessionsWrite));
    }
}
