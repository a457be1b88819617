namespace AudioOrchestrator.Discord.Voice.Crypto;

/// <summary>Outcome of opening a received voice packet; only <see cref="Ok"/> yields a payload.</summary>
public enum RtpReceiveResult
{
    Ok,

    /// <summary>Shorter than header + tag + nonce, or the header's CSRC list/extension preamble runs past the end.</summary>
    Truncated,

    /// <summary>Larger than <see cref="VoiceTransportCipher.MaxPacketSize"/>.</summary>
    Oversized,

    /// <summary>RTP version is not 2.</summary>
    WrongVersion,

    /// <summary>Payload type is not 0x78 (Opus), e.g. RTCP.</summary>
    WrongPayloadType,

    /// <summary>Authentication failed: wrong key, tampered or foreign packet.</summary>
    DecryptionFailed,

    /// <summary>The header extension is longer than the decrypted payload.</summary>
    BadExtension,

    /// <summary>The padding count is zero or longer than the payload.</summary>
    BadPadding,

    /// <summary>The output buffer is too small.</summary>
    OutputTooSmall,
}

/// <summary>A successfully opened packet: its header fields and where the Opus payload is in the output buffer.</summary>
public readonly record struct RtpOpenedPacket(Udp.RtpHeader Header, int PayloadOffset, int PayloadLength);
