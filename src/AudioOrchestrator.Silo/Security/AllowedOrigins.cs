using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// Which browser origins may send requests that ride on the console cookie or open a WebSocket: the service's own
/// (the scheme and host the request came to) and <c>Cors:AllowedOrigins</c>. Browsers always send <c>Origin</c> on
/// WebSocket handshakes and on requests other than GET/HEAD, and a page cannot forge it, so checking it refuses
/// cross-site request forgery and cross-site WebSocket hijacking.
/// </summary>
public sealed class AllowedOrigins(IOptions<ApiCorsOptions> cors)
{
    private readonly string[] _configured = [.. cors.Value.AllowedOrigins
        .Where(o => !string.IsNullOrWhiteSpace(o))
        .Select(o => o.Trim().TrimEnd('/'))];

    /// <summary>The request's <c>Origin</c> is the service's own or a configured one.</summary>
    public bool Allows(HttpRequest request, string origin)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(origin);
        var own = request.Scheme + "://" + request.Host.Value;
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || _configured.Any(o => string.Equals(origin, o, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A WebSocket handshake: HTTP/1.1 <c>Upgrade: websocket</c>, or HTTP/2's extended CONNECT.</summary>
    public static bool IsWebSocketRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HttpMethods.IsConnect(request.Method)
            || request.Headers[HeaderNames.Upgrade].Any(u => string.Equals(u?.Trim(), "websocket", StringComparison.OrdinalIgnoreCase));
    }
}
