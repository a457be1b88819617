using Microsoft.AspNetCore.Http;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>The download address of a turn's kept answer audio (<c>GET /api/v1/sessions/{sessionId}/turns/{turnId}/audio</c>).</summary>
public static class AnswerAudioUrls
{
    /// <summary>The address on the host the request came to (any node serves it: the audio is in the shared store).</summary>
    public static string For(HttpRequest request, string sessionId, string turnId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/sessions/{Uri.EscapeDataString(sessionId)}/turns/{Uri.EscapeDataString(turnId)}/audio";
    }
}
