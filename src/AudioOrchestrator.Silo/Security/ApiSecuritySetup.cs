using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AudioOrchestrator.Silo.Security;

/// <summary>Who may do what: API keys, scope policies, the open-on-loopback default, rate limits and CORS.</summary>
internal static class ApiSecuritySetup
{
    public static IServiceCollection AddApiSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddOptions<ApiRateLimitOptions>().Bind(configuration.GetSection(ApiRateLimitOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiCorsOptions>().Bind(configuration.GetSection(ApiCorsOptions.SectionName)).ValidateOnStart();
        services.TryAddSingleton<ApiKeyRegistry>();
        services.TryAddSingleton<OpenAccess>();
        services.TryAddSingleton<AllowedOrigins>();
        services.AddHostedService<OpenAccessGuard>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(ApiPolicies.Add);
        services.AddRateLimiter(_ => { });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<RateLimiterOptions>, ConfigureApiRateLimiting>());
        services.AddCors();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CorsOptions>, ConfigureApiCors>());
        return services;
    }

    /// <summary>The middleware, in order: CORS (answers preflights), authentication, rate limits (by key or address), authorization.</summary>
    public static WebApplication UseApiSecurity(this WebApplication app)
    {
        app.UseCors();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }
}

/// <summary>The default CORS policy: the configured origins, any of the API's methods, the key headers.</summary>
internal sealed class ConfigureApiCors(IOptions<ApiCorsOptions> cors) : IConfigureOptions<CorsOptions>
{
    public void Configure(CorsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var origins = cors.Value.AllowedOrigins.Where(o => !string.IsNullOrWhiteSpace(o)).Select(o => o.Trim().TrimEnd('/')).ToArray();
        options.AddDefaultPolicy(policy => policy
            .WithOrigins(origins)
            .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
            .WithHeaders(HeaderNames.Authorization, ApiKeyAuthenticationHandler.ApiKeyHeader, HeaderNames.ContentType, HeaderNames.Accept, "Last-Event-ID")
            .WithExposedHeaders(HeaderNames.RetryAfter, HeaderNames.WWWAuthenticate, HeaderNames.Location)
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
    }
}
