namespace AudioOrchestrator.Discord.Gateway;

/// <summary>Gateway opcodes (developers/topics/opcodes-and-status-codes).</summary>
public enum GatewayOpCode
{
    /// <summary>An event was dispatched (receive).</summary>
    Dispatch = 0,

    /// <summary>Heartbeat (send, and receive as a request for one).</summary>
    Heartbeat = 1,

    /// <summary>Identify (send).</summary>
    Identify = 2,

    /// <summary>Presence update (send).</summary>
    PresenceUpdate = 3,

    /// <summary>Voice state update: join, move, leave (send).</summary>
    VoiceStateUpdate = 4,

    /// <summary>Resume (send).</summary>
    Resume = 6,

    /// <summary>Reconnect and resume (receive).</summary>
    Reconnect = 7,

    /// <summary>Request guild members (send).</summary>
    RequestGuildMembers = 8,

    /// <summary>Invalid session; <c>d</c> tells whether it may be resumed (receive).</summary>
    InvalidSession = 9,

    /// <summary>Hello with the heartbeat interval (receive).</summary>
    Hello = 10,

    /// <summary>Heartbeat ACK (receive).</summary>
    HeartbeatAck = 11,
}

/// <summary>What to do after the gateway closed a connection.</summary>
public enum GatewayCloseAction
{
    /// <summary>Reconnect to the resume URL and Resume (op 6).</summary>
    Resume,

    /// <summary>Reconnect to the gateway URL and Identify a new session.</summary>
    Reidentify,

    /// <summary>Do not reconnect: configuration or token are wrong.</summary>
    Fatal,
}

/// <summary>Gateway close event codes and the policy for each.</summary>
public static class GatewayCloseCodes
{
    /// <summary>Unknown error: reconnect.</summary>
    public const int UnknownError = 4000;

    /// <summary>Authentication failed (bad token): fatal.</summary>
    public const int AuthenticationFailed = 4004;

    /// <summary>Not authenticated, or the session was invalidated: new session.</summary>
    public const int NotAuthenticated = 4003;

    /// <summary>Invalid resume sequence: new session.</summary>
    public const int InvalidSequence = 4007;

    /// <summary>Rate limited.</summary>
    public const int RateLimited = 4008;

    /// <summary>Session timed out: new session.</summary>
    public const int SessionTimedOut = 4009;

    /// <summary>The close code this client uses when it closes to resume (not 1000/1001, which end the session).</summary>
    public const int ClientResumeClose = 4000;

    /// <summary>Classifies a close code (null: the connection dropped without one).</summary>
    public static GatewayCloseAction Classify(int? closeCode) => closeCode switch
    {
        4004 or (>= 4010 and <= 4014) => GatewayCloseAction.Fatal,
        NotAuthenticated or InvalidSequence or SessionTimedOut => GatewayCloseAction.Reidentify,
        _ => GatewayCloseAction.Resume,
    };

    /// <summary>A short description of a Discord close code.</summary>
    public static string Describe(int? closeCode) => closeCode switch
    {
        null => "no close code",
        4000 => "unknown error",
        4001 => "unknown opcode",
        4002 => "decode error",
        4003 => "not authenticated",
        4004 => "authentication failed (check the bot token)",
        4005 => "already authenticated",
        4007 => "invalid seq",
        4008 => "rate limited",
        4009 => "session timed out",
        4010 => "invalid shard",
        4011 => "sharding required",
        4012 => "invalid API version",
        4013 => "invalid intent(s)",
        4014 => "disallowed intent(s) (enable them in the developer portal)",
        _ => "close code " + closeCode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
