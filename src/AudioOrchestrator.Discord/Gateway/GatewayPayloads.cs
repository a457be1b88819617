using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>Writes the client's gateway payloads as UTF-8 JSON.</summary>
public static partial class GatewayPayloads
{
    /// <summary>Heartbeat (op 1); <c>d</c> is the last sequence number or null.</summary>
    public static byte[] Heartbeat(long? lastSequence) => Write(GatewayOpCode.Heartbeat, w =>
    {
        if (lastSequence is { } s)
        {
            w.WriteNumberValue(s);
        }
        else
        {
            w.WriteNullValue();
        }
    });

    /// <summary>Identify (op 2).</summary>
    public static byte[] Identify(string token, int intents, ShardInfo shard, string os, string browser, string device) =>
        Write(GatewayOpCode.Identify, w =>
        {
            w.WriteStartObject();
            w.WriteString("token", token);
            w.WriteNumber("intents", intents);
            w.WriteStartObject("properties");
            w.WriteString("os", os);
            w.WriteString("browser", browser);
            w.WriteString("device", device);
            w.WriteEndObject();
            w.WriteStartArray("shard");
            w.WriteNumberValue(shard.Id);
            w.WriteNumberValue(shard.Count);
            w.WriteEndArray();
            w.WriteEndObject();
        });

    /// <summary>Resume (op 6).</summary>
    public static byte[] Resume(string token, string sessionId, long sequence) => Write(GatewayOpCode.Resume, w =>
    {
        w.WriteStartObject();
        w.WriteString("token", token);
        w.WriteString("session_id", sessionId);
        w.WriteNumber("seq", sequence);
        w.WriteEndObject();
    });

    /// <summary>Voice State Update (op 4): join or move (<paramref name="channelId"/> set) or leave (null).</summary>
    public static byte[] VoiceStateUpdate(ulong guildId, ulong? channelId, bool selfMute, bool selfDeaf) =>
        Write(GatewayOpCode.VoiceStateUpdate, w =>
        {
            w.WriteStartObject();
            w.WriteString("guild_id", Snowflake.Format(guildId));
            if (channelId is { } c)
            {
                w.WriteString("channel_id", Snowflake.Format(c));
            }
            else
            {
                w.WriteNull("channel_id");
            }

            w.WriteBoolean("self_mute", selfMute);
            w.WriteBoolean("self_deaf", selfDeaf);
            w.WriteEndObject();
        });

    /// <summary>Replaces the value of every <c>"token"</c> member, and the bot token wherever it appears, by <c>[redacted]</c>.</summary>
    public static string Redact(string text, string? botToken = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var redacted = TokenMember().Replace(text, "\"token\":\"[redacted]\"");
        return string.IsNullOrEmpty(botToken) ? redacted : redacted.Replace(botToken, "[redacted]", StringComparison.Ordinal);
    }

    private static byte[] Write(GatewayOpCode op, Action<Utf8JsonWriter> writeData)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("op", (int)op);
            w.WritePropertyName("d");
            writeData(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    [GeneratedRegex("\"token\"\\s*:\\s*\"(?:[^\"\\\\]|\\\\.)*\"", RegexOptions.CultureInvariant)]
    private static partial Regex TokenMember();
}

/// <summary>Discord snowflakes are 64-bit ids sent as JSON strings.</summary>
public static class Snowflake
{
    /// <summary>Formats an id as Discord sends it.</summary>
    public static string Format(ulong id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads an id given as a string (or, leniently, a number).</summary>
    public static bool TryRead(JsonElement element, out ulong id)
    {
        id = 0;
        return element.ValueKind switch
        {
            JsonValueKind.String => ulong.TryParse(element.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id),
            JsonValueKind.Number => element.TryGetUInt64(out id),
            _ => false,
        };
    }

    /// <summary>Reads a required id property.</summary>
    public static ulong Read(JsonElement obj, string property) =>
        obj.TryGetProperty(property, out var e) && TryRead(e, out var id)
            ? id
            : throw new FormatException($"missing or invalid snowflake '{property}'");

    /// <summary>Reads an optional id property (absent or null: null).</summary>
    public static ulong? ReadOptional(JsonElement obj, string property) =>
        obj.TryGetProperty(property, out var e) && e.ValueKind != JsonValueKind.Null
            ? TryRead(e, out var id) ? id : throw new FormatException($"invalid snowflake '{property}'")
            : null;
}
