using System.Text.Json;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>Dispatches (op 0): the sequence number, the session and voice state bookkeeping, and the typed events.</summary>
public sealed partial class DiscordGatewayClient
{
    private void OnDispatch(GatewaySocket connection, JsonElement root, ReadOnlySpan<byte> raw)
    {
        if (!root.TryGetProperty("t", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            ReportMalformed("dispatch without t", raw);
            return;
        }

        var name = nameElement.GetString()!;
        long sequence = -1;
        if (root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var seq))
        {
            sequence = seq;
            _session.Observe(seq);
        }

        Statistics.Dispatch();
        var data = root.TryGetProperty("d", out var d) ? d : default;
        try
        {
            Route(connection, name, data);
        }
        catch (Exception ex) when (ex is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            ReportMalformed(name + ": " + ex.Message, raw);
            return;
        }

        if (_state == GatewayConnectionState.Resuming && name != "RESUMED")
        {
            connection.Replayed++;
        }

        if (DispatchReceived is not null)
        {
            Raise(DispatchReceived, new GatewayDispatch(Shard.Id, name, sequence, data.ValueKind == JsonValueKind.Undefined ? default : data.Clone()), name);
        }
    }

    private void Route(GatewaySocket connection, string name, JsonElement data)
    {
        switch (name)
        {
            case "READY":
                var ready = GatewayDispatchReader.ReadReady(Shard.Id, data);
                _session.Start(ready);
                SessionReached(connection);
                LogReady(Shard.Id, ready.SessionId, ready.UserId, ready.GuildIds.Count);
                Raise(Ready, ready, name);
                break;
            case "RESUMED":
                SessionReached(connection);
                LogResumed(Shard.Id, connection.Replayed);
                Raise(Resumed, new GatewayResumed(Shard.Id, SessionId ?? string.Empty, connection.Replayed), name);
                break;
            case "GUILD_CREATE":
                if (GatewayDispatchReader.ReadGuildCreate(Shard.Id, data) is { } guild)
                {
                    VoiceStates.ReplaceGuild(guild.GuildId, guild.VoiceStates);
                    Raise(GuildAvailable, guild, name);
                }

                break;
            case "GUILD_DELETE":
                VoiceStates.RemoveGuild(Snowflake.Read(data, "id"));
                break;
            case "VOICE_STATE_UPDATE":
                var state = GatewayDispatchReader.ReadVoiceState(data, null);
                VoiceStates.Apply(state);
                Raise(VoiceStateUpdated, state, name);
                break;
            case "VOICE_SERVER_UPDATE":
                Raise(VoiceServerUpdated, GatewayDispatchReader.ReadVoiceServerUpdate(Shard.Id, data), name);
                break;
            case "INTERACTION_CREATE":
                Raise(InteractionCreated, GatewayDispatchReader.ReadInteraction(Shard.Id, data), name);
                break;
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args, string eventName)
    {
        if (handler is null)
        {
            return;
        }

        foreach (var single in handler.GetInvocationList().Cast<EventHandler<T>>())
        {
            try
            {
                single(this, args);
            }
#pragma warning disable CA1031 // A subscriber's bug must not take the connection down.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHandlerFailed(ex, Shard.Id, eventName);
            }
        }
    }
}
