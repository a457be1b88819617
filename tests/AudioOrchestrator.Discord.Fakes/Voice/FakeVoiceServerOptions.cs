using AudioOrchestrator.Discord.Voice.Crypto;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>Behaviour of <see cref="FakeVoiceServer"/>.</summary>
public sealed class FakeVoiceServerOptions
{
    /// <summary>The voice channel (the DAVE group id).</summary>
    public ulong ChannelId { get; set; } = 700_000_000_000_000_001;

    /// <summary>The token clients must present; null accepts any non-empty token.</summary>
    public string? Token { get; set; }

    /// <summary>Close clients that do not announce DAVE with 4017, as Discord does since March 2026.</summary>
    public bool RequireDave { get; set; } = true;

    /// <summary>Modes offered in Ready.</summary>
    public IList<string> Modes { get; } = [VoiceEncryptionModes.AesGcm, VoiceEncryptionModes.XChaCha20];

    /// <summary>Heartbeat interval of Hello.</summary>
    public int HeartbeatIntervalMs { get; set; } = 13_750;

    /// <summary>Answer heartbeats with op 6 (false simulates a zombie connection).</summary>
    public bool AckHeartbeats { get; set; } = true;

    /// <summary>Relay packets to the bot with an RTP header extension (elements inside the ciphertext), as Discord does.</summary>
    public bool AddHeaderExtension { get; set; } = true;
}
