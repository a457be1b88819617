namespace AudioOrchestrator.Dave.Frames;

/// <summary>Outcome of <see cref="DaveFrameEncryptor.Encrypt"/>.</summary>
public enum FrameEncryptResult
{
    /// <summary>The output holds a protocol frame.</summary>
    Encrypted,

    /// <summary>The output holds the frame unchanged (passthrough mode or an Opus silence frame).</summary>
    Passthrough,

    /// <summary>No sender key yet (no established group): the frame must not be sent.</summary>
    NoKey,

    /// <summary>The output span is smaller than <see cref="DaveFrameEncryptor.MaxOutputSize"/>.</summary>
    OutputTooSmall,

    /// <summary>Empty frames are not encrypted.</summary>
    EmptyFrame,
}

/// <summary>Outcome of <see cref="DaveFrameDecryptor.Decrypt"/>; only the first two give usable output.</summary>
public enum FrameDecryptResult
{
    /// <summary>The output holds the decrypted frame.</summary>
    Decrypted,

    /// <summary>The output holds the frame unchanged: an Opus silence frame, or passthrough mode.</summary>
    Passthrough,

    /// <summary>The frame fails the protocol frame check (no marker, bad footer) outside passthrough mode.</summary>
    NotProtocolFrame,

    /// <summary>No key for this sender (not in the group, or every epoch's keys expired).</summary>
    NoKey,

    /// <summary>The frame's generation was erased (too old) or is beyond the allowed gap.</summary>
    KeyUnavailable,

    /// <summary>This key and nonce were already decrypted once.</summary>
    Replayed,

    /// <summary>The nonce is older than the replay window.</summary>
    TooOld,

    /// <summary>The truncated tag does not match: tampered or foreign frame.</summary>
    AuthenticationFailed,

    /// <summary>The output span is smaller than the frame.</summary>
    OutputTooSmall,
}
