using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Discord.Voice.Crypto;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>Log messages of the voice connection. None carries the token or a key.</summary>
public sealed partial class DiscordVoiceConnection
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Voice {GuildId}: connecting to channel {ChannelId} at {Endpoint}")]
    private partial void LogConnecting(ulong guildId, ulong channelId, string endpoint);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Voice {GuildId}: ready, ssrc {Ssrc}, udp {Ip}:{Port}, mode {Mode}")]
    private partial void LogReady(ulong guildId, uint ssrc, string ip, int port, string mode);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Voice {GuildId}: external endpoint {Endpoint}")]
    private partial void LogDiscovered(ulong guildId, string endpoint);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Voice {GuildId}: session description, mode {Mode}, DAVE version {DaveVersion}")]
    private partial void LogSessionDescription(ulong guildId, string mode, int daveVersion);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Debug, Message = "Voice {GuildId}: ssrc {Ssrc} is user {UserId}")]
    private partial void LogSpeakingMapped(ulong guildId, uint ssrc, ulong userId);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Information, Message = "Voice {GuildId}: resuming with seq_ack {SeqAck}")]
    private partial void LogResuming(ulong guildId, int seqAck);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Information, Message = "Voice {GuildId}: resumed")]
    private partial void LogResumed(ulong guildId);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "Voice {GuildId}: closed with {CloseCode} ({Reason}); action {Action}")]
    private partial void LogClosed(ulong guildId, int closeCode, string reason, VoiceCloseAction action);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Warning, Message = "Voice {GuildId}: no heartbeat ACK, dropping the connection to resume")]
    private partial void LogZombie(ulong guildId);

    [LoggerMessage(EventId = 4209, Level = LogLevel.Debug, Message = "Voice {GuildId}: malformed gateway message ignored ({Error})")]
    private partial void LogMalformed(ulong guildId, string error);

    [LoggerMessage(EventId = 4210, Level = LogLevel.Debug, Message = "Voice {GuildId}: DAVE: {Error}")]
    private partial void LogDaveError(ulong guildId, string error);

    [LoggerMessage(EventId = 4211, Level = LogLevel.Trace, Message = "Voice packet rejected: {Result}")]
    private partial void LogPacketRejected(RtpReceiveResult result);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Trace, Message = "Voice frame rejected by DAVE: {Result}")]
    private partial void LogDaveFrameRejected(FrameDecryptResult result);

    [LoggerMessage(EventId = 4213, Level = LogLevel.Debug, Message = "Voice UDP send failed: {Error}")]
    private partial void LogUdpSendFailed(System.Net.Sockets.SocketError error);
}
