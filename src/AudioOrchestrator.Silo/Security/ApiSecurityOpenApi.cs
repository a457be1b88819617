using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// The API reference's view of security: the two ways to send a key (<c>Bearer</c>, <c>X-Api-Key</c>) as security
/// schemes, and on each operation that needs a key, the requirement (with the scopes that satisfy it) and its
/// 401, 403 and 429 answers.
/// </summary>
internal sealed class ApiSecurityOpenApi : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string BearerScheme = "Bearer";
    public const string HeaderScheme = "ApiKeyHeader";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key: 'Authorization: Bearer <key>'. Make one with --new-api-key NAME --scopes ...",
        };
        document.Components.SecuritySchemes[HeaderScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.ApiKeyHeader,
            Description = "The same API key in the X-Api-Key header.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToArray();
        var scopes = policies.SelectMany(p => ApiPolicies.Scopes.TryGetValue(p, out var s) ? s : []).Distinct().ToList();
        operation.Security ??= [];
        foreach (var scheme in new[] { BearerScheme, HeaderScheme })
        {
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(scheme, context.Document)] = scopes,
            });
        }

        var needs = scopes.Count == 0 ? "any valid API key" : $"an API key with {string.Join(" or ", scopes)} (or admin)";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? $"Needs {needs}." : $"{operation.Description}\n\nNeeds {needs}.";
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", Problem("No API key, or one this service does not accept (WWW-Authenticate: Bearer)."));
        operation.Responses.TryAdd("403", Problem("The API key lacks the scope."));
        operation.Responses.TryAdd("429", Problem("Too many requests from this key or address; retry after Retry-After seconds."));
        return Task.CompletedTask;
    }

    private static OpenApiResponse Problem(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() },
    };
}
