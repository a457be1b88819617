using System.Security.Cryptography;
using System.Text.Json;

namespace AudioOrchestrator.Discord.Fakes;

/// <summary>A gateway session: its sequence numbers and every dispatch, for replay on Resume.</summary>
public sealed class FakeSession
{
    private readonly FakeDiscordServer _server;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly List<(long Sequence, string Json)> _log = [];
    private long _sequence;
    private volatile FakeConnection? _connection;
    private volatile bool _invalidated;

    internal FakeSession(FakeDiscordServer server, string sessionId, int shardId, int shardCount, TimeSpan createdAt)
    {
        _server = server;
        SessionId = sessionId;
        ShardId = shardId;
        ShardCount = shardCount;
        CreatedAt = createdAt;
    }

    /// <summary>The session id.</summary>
    public string SessionId { get; }

    /// <summary>The shard id from Identify.</summary>
    public int ShardId { get; }

    /// <summary>The shard count from Identify.</summary>
    public int ShardCount { get; }

    /// <summary>When the session was created.</summary>
    public TimeSpan CreatedAt { get; }

    /// <summary>The last sequence number dispatched.</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>The connection carrying the session now, if any.</summary>
    public FakeConnection? Connection => _connection;

    /// <summary>The session can no longer be resumed.</summary>
    public bool Invalidated => _invalidated;

    /// <summary>Dispatches an event (op 0) with the next sequence number; kept for replay.</summary>
    public async Task<long> DispatchAsync(string name, string dataJson)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var sequence = Interlocked.Increment(ref _sequence);
            var json = $$"""{"t":"{{name}}","s":{{sequence}},"op":0,"d":{{dataJson}}}""";
            _log.Add((sequence, json));
            if (_connection is { Ended: false, Zombie: false } connection)
            {
                await connection.SendTextAsync(json).ConfigureAwait(false);
            }

            return sequence;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Sends Reconnect (op 7).</summary>
    public Task SendReconnectAsync() => RequireConnection().SendTextAsync("{\"t\":null,\"s\":null,\"op\":7,\"d\":null}");

    /// <summary>Sends Invalid Session (op 9); not resumable invalidates the session.</summary>
    public Task SendInvalidSessionAsync(bool resumable)
    {
        if (!resumable)
        {
            Invalidate();
        }

        return RequireConnection().SendTextAsync($"{{\"t\":null,\"s\":null,\"op\":9,\"d\":{(resumable ? "true" : "false")}}}");
    }

    /// <summary>Sends a heartbeat request (op 1).</summary>
    public Task RequestHeartbeatAsync() => RequireConnection().SendTextAsync("{\"t\":null,\"s\":null,\"op\":1,\"d\":null}");

    /// <summary>Closes the session's connection with a code; <paramref name="invalidate"/> ends the session too.</summary>
    public Task CloseAsync(int code, bool invalidate = false)
    {
        if (invalidate)
        {
            Invalidate();
        }

        return RequireConnection().CloseAsync(code, "closed by the test");
    }

    /// <summary>Ends the session: Resume gets Invalid Session.</summary>
    public void Invalidate() => _invalidated = true;

    /// <summary>The current connection (throws if none).</summary>
    public FakeConnection RequireConnection() => _connection ?? throw new InvalidOperationException("The session has no connection.");

    internal void Attach(FakeConnection connection)
    {
        _connection = connection;
        connection.Session = this;
    }

    internal void Detach(FakeConnection connection)
    {
        if (ReferenceEquals(_connection, connection))
        {
            _connection = null;
        }
    }

    internal async Task DispatchReadyAsync()
    {
        var options = _server.Options;
        var guilds = _server.GuildsOfShard(ShardId, ShardCount).ToArray();
        var ready = FakeDiscordServer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("v", 10);
            w.WriteStartObject("user");
            w.WriteString("id", options.BotUserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("username", "fake-bot");
            w.WriteString("discriminator", "0");
            w.WriteNull("global_name");
            w.WriteNull("avatar");
            w.WriteBoolean("bot", true);
            w.WriteEndObject();
            w.WriteStartArray("guilds");
            foreach (var guild in guilds)
            {
                w.WriteStartObject();
                w.WriteString("id", Id(guild.Id));
                w.WriteBoolean("unavailable", true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("session_id", SessionId);
            w.WriteString("resume_gateway_url", _server.ResumeUrl.ToString());
            w.WriteStartArray("shard");
            w.WriteNumberValue(ShardId);
            w.WriteNumberValue(ShardCount);
            w.WriteEndArray();
            w.WriteStartObject("application");
            w.WriteString("id", Id(options.ApplicationId));
            w.WriteNumber("flags", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        await DispatchAsync("READY", ready).ConfigureAwait(false);
        foreach (var guild in guilds)
        {
            await DispatchAsync("GUILD_CREATE", GuildCreate(guild)).ConfigureAwait(false);
        }
    }

    internal async Task ResumeAsync(FakeConnection connection, long fromSequence)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _connection = connection;
            connection.Session = this;
            foreach (var (sequence, json) in _log)
            {
                if (sequence > fromSequence)
                {
                    await connection.SendTextAsync(json).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _lock.Release();
        }

        await DispatchAsync("RESUMED", "{}").ConfigureAwait(false);
    }

    /// <summary>
    /// Discord moved the bot to another channel (or, with null, disconnected it): our VOICE_STATE_UPDATE and, for a
    /// channel, a VOICE_SERVER_UPDATE with a new token, as after an op 4.
    /// </summary>
    public Task MoveBotAsync(ulong guildId, ulong? channelId) => AnswerVoiceStateUpdateAsync(guildId, channelId, false, false);

    internal async Task AnswerVoiceStateUpdateAsync(ulong guildId, ulong? channelId, bool selfMute, bool selfDeaf)
    {
        var options = _server.Options;
        var voiceSessionId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var state = FakeDiscordServer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("guild_id", Id(guildId));
            if (channelId is { } c)
            {
                w.WriteString("channel_id", Id(c));
            }
            else
            {
                w.WriteNull("channel_id");
            }

            w.WriteString("user_id", Id(options.BotUserId));
            w.WriteString("session_id", voiceSessionId);
            w.WriteBoolean("deaf", false);
            w.WriteBoolean("mute", false);
            w.WriteBoolean("self_deaf", selfDeaf);
            w.WriteBoolean("self_mute", selfMute);
            w.WriteBoolean("self_video", false);
            w.WriteBoolean("suppress", false);
            w.WriteNull("request_to_speak_timestamp");
            w.WriteEndObject();
        });
        await DispatchAsync("VOICE_STATE_UPDATE", state).ConfigureAwait(false);
        if (channelId is not null)
        {
            var server = FakeDiscordServer.Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("token", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
                w.WriteString("guild_id", Id(guildId));
                if ((options.VoiceEndpointFor?.Invoke(guildId, channelId.Value) ?? options.VoiceEndpoint) is { } endpoint)
                {
                    w.WriteString("endpoint", endpoint);
                }
                else
                {
                    w.WriteNull("endpoint");
                }

                w.WriteEndObject();
            });
            await DispatchAsync("VOICE_SERVER_UPDATE", server).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The bot's voice server changed (Discord moved the call to another server): VOICE_SERVER_UPDATE with a new token
    /// and <paramref name="endpoint"/>, and no VOICE_STATE_UPDATE (the voice session id stays).
    /// </summary>
    public Task SendVoiceServerUpdateAsync(ulong guildId, string endpoint) => DispatchAsync("VOICE_SERVER_UPDATE", FakeDiscordServer.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("token", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        w.WriteString("guild_id", Id(guildId));
        w.WriteString("endpoint", endpoint);
        w.WriteEndObject();
    }));

    /// <summary>A GUILD_CREATE body for a guild, with its voice states (no guild_id inside, as Discord sends them).</summary>
    public static string GuildCreate(FakeGuild guild)
    {
        ArgumentNullException.ThrowIfNull(guild);
        return FakeDiscordServer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", Id(guild.Id));
            w.WriteString("name", guild.Name);
            w.WriteBoolean("unavailable", false);
            w.WriteNumber("member_count", guild.VoiceStates.Count + 1);
            w.WriteStartArray("voice_states");
            foreach (var state in guild.VoiceStates)
            {
                w.WriteStartObject();
                w.WriteString("channel_id", Id(state.ChannelId));
                w.WriteString("user_id", Id(state.UserId));
                w.WriteString("session_id", state.SessionId);
                w.WriteBoolean("deaf", false);
                w.WriteBoolean("mute", false);
                w.WriteBoolean("self_deaf", false);
                w.WriteBoolean("self_mute", false);
                w.WriteBoolean("self_video", false);
                w.WriteBoolean("suppress", false);
                w.WriteNull("request_to_speak_timestamp");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("channels");
            w.WriteEndArray();
            w.WriteStartArray("members");
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static string Id(ulong id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
