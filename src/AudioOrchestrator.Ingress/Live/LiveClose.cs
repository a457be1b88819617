using System.Net.WebSockets;
using System.Text;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// Why the server closes a live socket: the close frame's status and reason, and the <c>error</c> event's code (sent
/// just before the close frame with the same reason).
/// </summary>
/// <param name="Status">The WebSocket close code.</param>
/// <param name="Code">A short machine-readable name (the <c>error</c> event's <c>code</c>, and the metric's reason).</param>
/// <param name="Reason">For people; at most 123 bytes of UTF-8 (the close frame's limit), cut if longer.</param>
public sealed record LiveClose(WebSocketCloseStatus Status, string Code, string Reason)
{
    /// <summary>The longest close reason a close frame carries, in UTF-8 bytes.</summary>
    public const int MaxReasonBytes = 123;

    /// <summary>1013 (try again later): not a named <see cref="WebSocketCloseStatus"/>.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>The reason as the close frame carries it.</summary>
    public string FrameReason => Fit(Reason);

    public static LiveClose Normal(string reason) => new(WebSocketCloseStatus.NormalClosure, "normal", reason);

    public static LiveClose Unsupported(string reason) => new(WebSocketCloseStatus.InvalidMessageType, "unsupportedData", reason);

    public static LiveClose InvalidPayload(string reason) => new(WebSocketCloseStatus.InvalidPayloadData, "invalidPayload", reason);

    public static LiveClose Policy(string reason) => new(WebSocketCloseStatus.PolicyViolation, "policy", reason);

    public static LiveClose TooBig(int maxBytes) => new(WebSocketCloseStatus.MessageTooBig, "messageTooBig", $"a message is at most {maxBytes} bytes");

    public static LiveClose Full(string reason) => new(TryAgainLater, "tryAgainLater", reason);

    public static LiveClose Idle() => new(WebSocketCloseStatus.EndpointUnavailable, "idleTimeout", "idle timeout: nothing received");

    public static LiveClose ShuttingDown() => new(WebSocketCloseStatus.EndpointUnavailable, "shuttingDown", "server shutting down");

    public static LiveClose Internal(string reason) => new(WebSocketCloseStatus.InternalServerError, "internalError", reason);

    private static string Fit(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxReasonBytes)
        {
            return reason;
        }

        var cut = reason;
        while (Encoding.UTF8.GetByteCount(cut) > MaxReasonBytes - 3)
        {
            cut = cut[..^1];
        }

        return cut + "...";
    }
}
