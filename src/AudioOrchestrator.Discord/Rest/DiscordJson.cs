using System.Text.Json;

namespace AudioOrchestrator.Discord.Rest;

/// <summary>JSON bodies of the REST calls, written field by field as the API documentation names them.</summary>
internal static class DiscordJson
{
    private const int ChatInputCommandType = 1;
    private const int GuildInstallContext = 0;

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return stream.ToArray();
    }

    /// <summary>A message (or interaction callback data): content, flags, and mentions that never ping.</summary>
    public static void WriteMessage(Utf8JsonWriter w, DiscordMessageContent message, bool includeContent)
    {
        w.WriteStartObject();
        if (includeContent)
        {
            w.WriteString("content", message.SentContent);
            w.WriteStartObject("allowed_mentions");
            w.WriteStartArray("parse");
            w.WriteEndArray();
            w.WriteEndObject();
        }

        if (message.Ephemeral)
        {
            w.WriteNumber("flags", DiscordMessageContent.EphemeralFlag);
        }

        w.WriteEndObject();
    }

    public static void WriteCommands(Utf8JsonWriter w, IReadOnlyList<ApplicationCommandDefinition> commands)
    {
        w.WriteStartArray();
        foreach (var command in commands)
        {
            w.WriteStartObject();
            w.WriteString("name", command.Name);
            w.WriteNumber("type", ChatInputCommandType);
            w.WriteString("description", command.Description);
            if (command.GuildOnly)
            {
                w.WriteStartArray("contexts");
                w.WriteNumberValue(GuildInstallContext);
                w.WriteEndArray();
            }

            w.WriteStartArray("options");
            foreach (var option in command.Options)
            {
                w.WriteStartObject();
                w.WriteNumber("type", option.Type);
                w.WriteString("name", option.Name);
                w.WriteString("description", option.Description);
                w.WriteBoolean("required", option.Required);
                if (option.ChannelTypes is { Count: > 0 } channelTypes)
                {
                    w.WriteStartArray("channel_types");
                    foreach (var type in channelTypes)
                    {
                        w.WriteNumberValue(type);
                    }

                    w.WriteEndArray();
                }

                if (option.MaxLength is { } maxLength)
                {
                    w.WriteNumber("max_length", maxLength);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
