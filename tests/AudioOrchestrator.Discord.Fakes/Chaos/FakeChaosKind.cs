namespace AudioOrchestrator.Discord.Fakes.Chaos;

/// <summary>One kind of disruption the fake Discord can inflict, and what a correct client does about it.</summary>
public enum FakeChaosKind
{
    /// <summary>The gateway TCP connection drops without a close frame: resume on <c>resume_gateway_url</c>.</summary>
    GatewayDrop,

    /// <summary>The gateway closes with 4000 (unknown error): resume.</summary>
    GatewayCloseResumable,

    /// <summary>
    /// The gateway closes with 4009 (session timed out): a new session (Identify). The main gateway session is gone, so
    /// the voice servers close the bot's voice connections with 4014; the client must rejoin with op 4.
    /// </summary>
    GatewayCloseNewSession,

    /// <summary>Reconnect (op 7): reconnect and resume.</summary>
    GatewayReconnect,

    /// <summary>Invalid Session (op 9, <c>d: true</c>): reconnect and resume.</summary>
    GatewayInvalidSessionResumable,

    /// <summary>Invalid Session (op 9, <c>d: false</c>): a new session, and the voice connections end with 4014 as above.</summary>
    GatewayInvalidSessionNew,

    /// <summary>Heartbeat ACKs come later than the next heartbeat: a zombie connection the client must drop and resume.</summary>
    GatewayZombie,

    /// <summary>Heartbeat ACKs come late but within the interval: the client must keep the connection.</summary>
    GatewaySlowAck,

    /// <summary>The voice WebSocket drops without a close frame: voice resume (op 7 with <c>seq_ack</c>).</summary>
    VoiceDrop,

    /// <summary>The voice server closes with 4015 (voice server crashed): voice resume.</summary>
    VoiceServerCrashed,

    /// <summary>The voice server forgets the session and closes with 4006: rejoin (op 4, Identify, DAVE from scratch).</summary>
    VoiceSessionInvalid,

    /// <summary>
    /// The call moves to another voice server: the old one closes with 4014 and VOICE_SERVER_UPDATE brings a new token
    /// and endpoint: connect there (Identify, DAVE from scratch).
    /// </summary>
    VoiceServerMoved,

    /// <summary>Voice heartbeat ACKs come later than the next heartbeat: drop the socket and resume.</summary>
    VoiceZombie,

    /// <summary>Voice heartbeat ACKs come late but within the interval: keep the connection.</summary>
    VoiceSlowAck,
}

/// <summary>What the kinds need of the client.</summary>
public static class FakeChaosKinds
{
    /// <summary>Every kind.</summary>
    public static IReadOnlyList<FakeChaosKind> All { get; } = Enum.GetValues<FakeChaosKind>();

    /// <summary>True for the kinds done on the main gateway.</summary>
    public static bool IsGateway(this FakeChaosKind kind) => kind <= FakeChaosKind.GatewaySlowAck;

    /// <summary>True for the kinds that end the gateway session (Identify, and a voice rejoin, expected).</summary>
    public static bool EndsGatewaySession(this FakeChaosKind kind) => kind is FakeChaosKind.GatewayCloseNewSession or FakeChaosKind.GatewayInvalidSessionNew;

    /// <summary>True for the late-ACK kinds after which the connection must stay.</summary>
    public static bool MustKeepConnection(this FakeChaosKind kind) => kind is FakeChaosKind.GatewaySlowAck or FakeChaosKind.VoiceSlowAck;
}
