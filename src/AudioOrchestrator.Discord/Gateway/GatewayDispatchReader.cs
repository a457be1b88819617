using System.Text.Json;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// Reads the data (<c>d</c>) of the dispatches the client understands into typed records. Throws
/// <see cref="FormatException"/>, <see cref="KeyNotFoundException"/> or <see cref="InvalidOperationException"/> on a
/// payload that lacks a required field; the caller drops such a dispatch as malformed.
/// </summary>
internal static class GatewayDispatchReader
{
    /// <summary>READY: the new session, its resume URL, the bot user and the guild ids.</summary>
    public static GatewayReady ReadReady(int shardId, JsonElement data)
    {
        var sessionId = data.GetProperty("session_id").GetString() ?? throw new FormatException("session_id is null");
        var resumeUrlText = data.GetProperty("resume_gateway_url").GetString() ?? throw new FormatException("resume_gateway_url is null");
        if (!Uri.TryCreate(resumeUrlText, UriKind.Absolute, out var resumeUrl))
        {
            throw new FormatException("resume_gateway_url is not an absolute URL");
        }

        var userId = Snowflake.Read(data.GetProperty("user"), "id");
        var guilds = new List<ulong>();
        if (data.TryGetProperty("guilds", out var guildArray) && guildArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var guild in guildArray.EnumerateArray())
            {
                guilds.Add(Snowflake.Read(guild, "id"));
            }
        }

        return new GatewayReady(shardId, sessionId, resumeUrl, userId, guilds);
    }

    /// <summary>GUILD_CREATE: the guild with its voice states, or null while the guild is unavailable (an outage).</summary>
    public static GuildAvailable? ReadGuildCreate(int shardId, JsonElement data)
    {
        var guildId = Snowflake.Read(data, "id");
        if (data.TryGetProperty("unavailable", out var unavailable) && unavailable.ValueKind == JsonValueKind.True)
        {
            return null;
        }

        var states = new List<VoiceState>();
        if (data.TryGetProperty("voice_states", out var voiceStates) && voiceStates.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in voiceStates.EnumerateArray())
            {
                states.Add(ReadVoiceState(element, guildId));
            }
        }

        var name = data.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return new GuildAvailable(shardId, guildId, name, states);
    }

    /// <summary>A voice state object; inside GUILD_CREATE it has no <c>guild_id</c>, so the guild is given.</summary>
    public static VoiceState ReadVoiceState(JsonElement data, ulong? guildId) => new(
        guildId ?? Snowflake.Read(data, "guild_id"),
        Snowflake.ReadOptional(data, "channel_id"),
        Snowflake.Read(data, "user_id"),
        data.TryGetProperty("session_id", out var session) && session.ValueKind == JsonValueKind.String ? session.GetString()! : string.Empty,
        Flag(data, "deaf"),
        Flag(data, "mute"),
        Flag(data, "self_deaf"),
        Flag(data, "self_mute"),
        Flag(data, "suppress"));

    /// <summary>VOICE_SERVER_UPDATE: a null endpoint means the voice server is being reallocated.</summary>
    public static VoiceServerUpdate ReadVoiceServerUpdate(int shardId, JsonElement data) => new(
        shardId,
        Snowflake.Read(data, "guild_id"),
        data.GetProperty("token").GetString() ?? throw new FormatException("token is null"),
        data.TryGetProperty("endpoint", out var endpoint) && endpoint.ValueKind == JsonValueKind.String ? endpoint.GetString() : null);

    /// <summary>INTERACTION_CREATE: the invoking user comes from <c>member.user</c> in a guild, <c>user</c> in a DM.</summary>
    public static InteractionCreate ReadInteraction(int shardId, JsonElement data)
    {
        ulong? userId = null;
        if (data.TryGetProperty("member", out var member) && member.ValueKind == JsonValueKind.Object
            && member.TryGetProperty("user", out var memberUser) && memberUser.ValueKind == JsonValueKind.Object)
        {
            userId = Snowflake.Read(memberUser, "id");
        }
        else if (data.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object)
        {
            userId = Snowflake.Read(user, "id");
        }

        var commandData = data.TryGetProperty("data", out var cd) ? cd.Clone() : default;
        var commandName = commandData.ValueKind == JsonValueKind.Object && commandData.TryGetProperty("name", out var cn) && cn.ValueKind == JsonValueKind.String
            ? cn.GetString()
            : null;
        return new InteractionCreate(
            shardId,
            Snowflake.Read(data, "id"),
            Snowflake.Read(data, "application_id"),
            data.GetProperty("type").GetInt32(),
            data.GetProperty("token").GetString() ?? throw new FormatException("token is null"),
            Snowflake.ReadOptional(data, "guild_id"),
            Snowflake.ReadOptional(data, "channel_id"),
            userId,
            commandName,
            commandData,
            data.Clone());
    }

    private static bool Flag(JsonElement data, string property) =>
        data.TryGetProperty(property, out var e) && e.ValueKind == JsonValueKind.True;
}
