using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace AudioOrchestrator.Silo.WebConsole;

/// <summary>
/// Serves the web console: the static files of <c>wwwroot/</c> (HTML, CSS, ES modules, an AudioWorklet; no build step,
/// nothing from a CDN) at <c>/</c>, anonymously (they hold no secret: every API call the page makes is authenticated).
/// </summary>
public static class WebConsoleFiles
{
    /// <summary>The policy of the console's pages: only this origin's scripts, styles, media and connections (WebSockets included).</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>The console's files: <c>wwwroot</c> next to the service's assembly (copied there by the build).</summary>
    public static string Root => Path.Combine(AppContext.BaseDirectory, "wwwroot");

    /// <summary><c>/</c> serves <c>index.html</c>; each file with no-cache (revalidated) and the security headers above.</summary>
    public static WebApplication UseWebConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!Directory.Exists(Root))
        {
            return app;
        }

        var files = new PhysicalFileProvider(Root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.CacheControl] = "no-cache";
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                if (context.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
                {
                    headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
                    headers[HeaderNames.XFrameOptions] = "DENY";
                }
            },
        });
        return app;
    }
}
