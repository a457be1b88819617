using System.Buffers;
using System.Text;
using System.Text.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Events;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The text messages a live socket sends: one JSON object each, <c>{"event": name, "data": {...}}</c> (plus <c>"id"</c>
/// for <c>turn</c>), where <c>data</c> is exactly what <see cref="SessionEventMapper"/> produces for Server-Sent Events,
/// and the WebSocket-only <c>ready</c>, <c>warning</c> and <c>error</c>.
/// </summary>
public sealed class LiveEventWriter(SessionEventMapper mapper, IOptions<JsonOptions> json)
{
    public const string ReadyEvent = "ready";
    public const string WarningEvent = "warning";

    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    /// <summary>The messages for one output event of the session (none for answer audio and agent actions).</summary>
    public IEnumerable<byte[]> Map(string sessionId, SessionOutputEvent item) =>
        mapper.Map(sessionId, item).Select(Envelope);

    /// <summary>The first message: what the socket is.</summary>
    public byte[] Ready(LiveVoiceRequest request, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        var format = request.Format;
        var data = new ReadyData(request.Speaker.SessionId, request.Speaker.SpeakerId, format.Name, format.SampleRate, format.Channels, format.FrameMs, maxMessageBytes, request.WakeName);
        return Envelope(new SessionEventMessage(ReadyEvent, JsonSerializer.Serialize(data, Json)));
    }

    /// <summary>A warning (the socket stays open).</summary>
    public byte[] Warning(string code, string message) =>
        Envelope(new SessionEventMessage(WarningEvent, JsonSerializer.Serialize(new NoticeData(code, message), Json)));

    /// <summary>The <c>error</c> sent just before the server closes the socket.</summary>
    public byte[] Error(LiveClose close)
    {
        ArgumentNullException.ThrowIfNull(close);
        return Envelope(mapper.Error(close.Code, close.Reason));
    }

    /// <summary>Wraps a session event's JSON as a WebSocket text message.</summary>
    public static byte[] Envelope(SessionEventMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(message.Data.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", message.Event);
            if (message.Id is not null)
            {
                writer.WriteString("id", message.Id);
            }

            writer.WritePropertyName("data");
            writer.WriteRawValue(Encoding.UTF8.GetBytes(message.Data), skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>ready</c>: the socket's session, speaker and audio format.</summary>
    public sealed record ReadyData(string SessionId, string SpeakerId, string Format, int SampleRate, int Channels, int? FrameMs, int MaxMessageBytes, string Wake);

    /// <summary><c>warning</c>.</summary>
    public sealed record NoticeData(string Code, string Message);
}
