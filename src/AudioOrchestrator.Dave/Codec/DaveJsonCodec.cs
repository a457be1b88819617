using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AudioOrchestrator.Dave.Codec;

/// <summary>
/// Strict codec of the JSON DAVE opcodes (<c>{"op": n, "seq": s, "d": {...}}</c>). Unknown members
/// are ignored (the gateway may add fields); a missing or out-of-range required field, a wrong JSON
/// type or an opcode that is not a JSON DAVE opcode raises <see cref="DaveDecodeException"/>.
/// </summary>
public static class DaveJsonCodec
{
    /// <summary>Parses one JSON message (UTF-8).</summary>
    public static DaveJsonEnvelope Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                throw new DaveDecodeException("Trailing data after the JSON message.");
            }

            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DaveDecodeException("A voice gateway message must be a JSON object.");
            }

            var opcode = Required(root, "op").GetByte();
            int? sequence = root.TryGetProperty("seq", out var seq) && seq.ValueKind != JsonValueKind.Null ? seq.GetInt32() : null;
            var d = Required(root, "d");
            if (d.ValueKind != JsonValueKind.Object)
            {
                throw new DaveDecodeException("The d member must be a JSON object.");
            }

            DaveJsonMessage message = (DaveOpcode)opcode switch
            {
                DaveOpcode.PrepareTransition => Deserialize(d, DaveJsonContext.Default.PrepareTransition),
                DaveOpcode.ExecuteTransition => Deserialize(d, DaveJsonContext.Default.ExecuteTransition),
                DaveOpcode.ReadyForTransition => Deserialize(d, DaveJsonContext.Default.ReadyForTransition),
                DaveOpcode.PrepareEpoch => Deserialize(d, DaveJsonContext.Default.PrepareEpoch),
                DaveOpcode.MlsInvalidCommitWelcome => Deserialize(d, DaveJsonContext.Default.InvalidCommitWelcome),
                _ => throw new DaveDecodeException($"Opcode {opcode} is not a JSON DAVE opcode."),
            };
            return new DaveJsonEnvelope((DaveOpcode)opcode, sequence, message);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new DaveDecodeException("Malformed DAVE JSON message: " + ex.Message, ex);
        }
    }

    /// <summary>Parses one JSON message (text).</summary>
    public static DaveJsonEnvelope Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Serializes a message as <c>{"op": n, ["seq": s,] "d": {...}}</c> (UTF-8).</summary>
    public static byte[] Serialize(DaveJsonMessage message, int? sequence = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("op", (byte)message.Opcode);
            if (sequence is { } s)
            {
                writer.WriteNumber("seq", s);
            }

            writer.WritePropertyName("d");
            switch (message)
            {
                case PrepareTransition m:
                    JsonSerializer.Serialize(writer, m, DaveJsonContext.Default.PrepareTransition);
                    break;
                case ExecuteTransition m:
                    JsonSerializer.Serialize(writer, m, DaveJsonContext.Default.ExecuteTransition);
                    break;
                case ReadyForTransition m:
                    JsonSerializer.Serialize(writer, m, DaveJsonContext.Default.ReadyForTransition);
                    break;
                case PrepareEpoch m:
                    JsonSerializer.Serialize(writer, m, DaveJsonContext.Default.PrepareEpoch);
                    break;
                case InvalidCommitWelcome m:
                    JsonSerializer.Serialize(writer, m, DaveJsonContext.Default.InvalidCommitWelcome);
                    break;
                default:
                    throw new ArgumentException("Unknown DAVE JSON message.", nameof(message));
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static JsonElement Required(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? value : throw new DaveDecodeException($"Missing member \"{name}\".");

    private static T Deserialize<T>(JsonElement element, JsonTypeInfo<T> info)
        where T : DaveJsonMessage =>
        element.Deserialize(info) ?? throw new DaveDecodeException("Null DAVE payload.");
}
