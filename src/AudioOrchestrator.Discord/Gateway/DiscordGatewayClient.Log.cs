using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>Log messages of the gateway client. No message carries the bot token or a raw payload unredacted.</summary>
public sealed partial class DiscordGatewayClient
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Shard {ShardId}: connecting to {Url} (resume: {Resume})")]
    private partial void LogConnecting(int shardId, string url, bool resume);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Shard {ShardId}: Hello, heartbeat interval {IntervalMs} ms")]
    private partial void LogHello(int shardId, long intervalMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Shard {ShardId}/{ShardCount}: identifying with intents {Intents}")]
    private partial void LogIdentifying(int shardId, int shardCount, int intents);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Shard {ShardId}: resuming session {SessionId} from seq {Sequence}")]
    private partial void LogResuming(int shardId, string sessionId, long sequence);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Shard {ShardId}: ready, session {SessionId}, user {UserId}, {GuildCount} guilds")]
    private partial void LogReady(int shardId, string sessionId, ulong userId, int guildCount);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Shard {ShardId}: resumed after {Replayed} replayed events")]
    private partial void LogResumed(int shardId, int replayed);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Shard {ShardId}: no Heartbeat ACK within {IntervalMs} ms, closing the zombie connection to resume")]
    private partial void LogZombie(int shardId, long intervalMs);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Shard {ShardId}: Discord asked to reconnect (op 7)")]
    private partial void LogReconnectRequested(int shardId);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "Shard {ShardId}: invalid session (resumable: {Resumable})")]
    private partial void LogInvalidSession(int shardId, bool resumable);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Warning, Message = "Shard {ShardId}: closed by Discord with {CloseCode} ({Meaning}) {Description}")]
    private partial void LogServerClosed(int shardId, int closeCode, string meaning, string description);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Shard {ShardId}: {Reason} (close code {CloseCode}); next: {Action} in {DelayMs} ms")]
    private partial void LogReconnecting(int shardId, string reason, int closeCode, GatewayCloseAction action, long delayMs);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Critical, Message = "Shard {ShardId}: fatal close code {CloseCode} ({Meaning}); the shard stops and will not reconnect")]
    private partial void LogFatal(int shardId, int closeCode, string meaning);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Shard {ShardId}: connection failed: {ErrorType}: {Error}")]
    private partial void LogConnectFailed(int shardId, string errorType, string error);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Warning, Message = "Shard {ShardId}: dropped a malformed gateway message ({Reason}): {Sample} ({Suppressed} more since the last report)")]
    private partial void LogMalformed(int shardId, string reason, string sample, long suppressed);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Warning, Message = "Shard {ShardId}: dropped a message with unknown opcode {Op} ({Suppressed} more since the last report)")]
    private partial void LogUnknownOpcode(int shardId, int op, long suppressed);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Error, Message = "Shard {ShardId}: a handler of {EventName} failed")]
    private partial void LogHandlerFailed(Exception exception, int shardId, string eventName);

    [LoggerMessage(EventId = 4118, Level = LogLevel.Debug, Message = "Shard {ShardId}: the connection dropped while sending a command; retrying on the next session")]
    private partial void LogCommandRetry(int shardId);

    [LoggerMessage(EventId = 4119, Level = LogLevel.Debug, Message = "Shard {ShardId}: Discord acknowledged the close with {CloseCode}")]
    private partial void LogStopAcknowledged(int shardId, int closeCode);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Warning, Message = "Shard {ShardId}: Discord did not answer the close within {TimeoutMs} ms; the connection is cut")]
    private partial void LogStopUnacknowledged(int shardId, long timeoutMs);
}
