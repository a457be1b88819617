using AudioOrchestrator.Discord.Voice.Crypto;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// What the main gateway told us for one voice join: our VOICE_STATE_UPDATE (<c>session_id</c>) and
/// VOICE_SERVER_UPDATE (<c>token</c>, <c>endpoint</c>). <see cref="ToString"/> never prints the token.
/// </summary>
public sealed record VoiceJoinInfo(ulong GuildId, ulong ChannelId, ulong UserId, string SessionId, string Token, string Endpoint)
{
    /// <summary>The voice gateway URL: <c>wss://{endpoint}/?v=8</c>, or the endpoint itself when it already has a ws/wss scheme (local fakes).</summary>
    public Uri GatewayUri
    {
        get
        {
            var baseUrl = Endpoint.StartsWith("ws://", StringComparison.OrdinalIgnoreCase) || Endpoint.StartsWith("wss://", StringComparison.OrdinalIgnoreCase)
                ? Endpoint
                : "wss://" + Endpoint;
            var builder = new UriBuilder(baseUrl) { Query = "v=8" };
            if (string.IsNullOrEmpty(builder.Path))
            {
                builder.Path = "/";
            }

            return builder.Uri;
        }
    }

    public override string ToString() => $"VoiceJoinInfo {{ GuildId = {GuildId}, ChannelId = {ChannelId}, UserId = {UserId}, SessionId = {SessionId}, Endpoint = {Endpoint}, Token = *** }}";
}

/// <summary>Behaviour of voice connections.</summary>
public sealed class VoiceConnectionOptions
{
    /// <summary>Announce DAVE (<c>max_dave_protocol_version = 1</c>). Discord closes non-DAVE connections with 4017.</summary>
    public bool DaveEnabled { get; set; } = true;

    /// <summary>The transport mode to pick when offered; AES-256-GCM otherwise, else XChaCha20-Poly1305.</summary>
    public VoiceEncryptionMode? PreferredMode { get; set; }

    /// <summary>Time allowed from connecting to Session Description (and for a resume).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval of UDP keep-alive datagrams.</summary>
    public TimeSpan UdpKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Resume attempts after a resumable close before reporting a rejoin.</summary>
    public int MaxResumeAttempts { get; set; } = 5;

    /// <summary>Capacity of the received-frame channel (oldest frames dropped beyond it).</summary>
    public int ReceiveQueueCapacity { get; set; } = 2048;

    /// <summary>Silence frames sent when a stream pauses.</summary>
    public int SilenceFramesOnPause { get; set; } = 5;

    /// <summary>
    /// How long the sender waits for a frame that is late in the middle of a sentence (the source says more is coming)
    /// before it treats the gap as a pause (silence frames).
    /// </summary>
    public TimeSpan LateFrameWait { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Validates <see cref="VoiceConnectionOptions"/>.</summary>
public sealed class VoiceConnectionOptionsValidator : IValidateOptions<VoiceConnectionOptions>
{
    public ValidateOptionsResult Validate(string? name, VoiceConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        if (options.HandshakeTimeout <= TimeSpan.Zero)
        {
            failures.Add("HandshakeTimeout must be positive.");
        }

        if (options.UdpKeepAliveInterval <= TimeSpan.Zero)
        {
            failures.Add("UdpKeepAliveInterval must be positive.");
        }

        if (options.MaxResumeAttempts < 0)
        {
            failures.Add("MaxResumeAttempts must not be negative.");
        }

        if (options.ReceiveQueueCapacity < 1)
        {
            failures.Add("ReceiveQueueCapacity must be at least 1.");
        }

        if (options.SilenceFramesOnPause < 0)
        {
            failures.Add("SilenceFramesOnPause must not be negative.");
        }

        if (options.LateFrameWait < TimeSpan.Zero || options.LateFrameWait > TimeSpan.FromSeconds(10))
        {
            failures.Add("LateFrameWait must be between 0 and 10 seconds.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>One received Opus frame, after transport and DAVE decryption.</summary>
public sealed record VoiceReceivedFrame(ulong UserId, uint Ssrc, ushort Sequence, uint Timestamp, ReadOnlyMemory<byte> Opus);

/// <summary>What the caller should do after the voice connection ended.</summary>
public enum VoiceCloseAction
{
    /// <summary>Resumable (4015, codes below 4000, network drops): handled inside the connection.</summary>
    Resume,

    /// <summary>Send a new op 4 and connect again (4006, 4009, 4011, failed resumes).</summary>
    Rejoin,

    /// <summary>Give up (4021, 4022, 4017 DAVE required, other fatal codes, or our own disconnect).</summary>
    Stop,

    /// <summary>4014: kicked, channel deleted, or moved to another channel; wait ~5 s for new voice events before giving up.</summary>
    StopUnlessMoved,
}

/// <summary>How a voice connection ended.</summary>
public sealed record VoiceConnectionEnd(VoiceCloseAction Action, int? CloseCode, string Reason);

/// <summary>The close-code policy of the voice gateway.</summary>
public static class VoiceCloseCodes
{
    public const int SessionNoLongerValid = 4006;
    public const int SessionTimeout = 4009;
    public const int ServerNotFound = 4011;
    public const int Disconnected = 4014;
    public const int VoiceServerCrashed = 4015;
    public const int E2eeRequired = 4017;
    public const int BadRequest = 4020;
    public const int RateLimited = 4021;
    public const int CallTerminated = 4022;

    /// <summary>Maps a close code (null: the connection dropped without one) to the action.</summary>
    public static VoiceCloseAction Classify(int? closeCode) => closeCode switch
    {
        null => VoiceCloseAction.Resume,
        VoiceServerCrashed => VoiceCloseAction.Resume,
        < 4000 => VoiceCloseAction.Resume,
        SessionNoLongerValid or SessionTimeout or ServerNotFound => VoiceCloseAction.Rejoin,
        Disconnected => VoiceCloseAction.StopUnlessMoved,
        _ => VoiceCloseAction.Stop,
    };
}
