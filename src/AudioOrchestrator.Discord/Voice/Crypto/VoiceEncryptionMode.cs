namespace AudioOrchestrator.Discord.Voice.Crypto;

/// <summary>The transport encryption modes Discord still accepts (the xsalsa20 modes are gone).</summary>
public enum VoiceEncryptionMode
{
    /// <summary><c>aead_aes256_gcm_rtpsize</c>: AES-256-GCM, 12-byte nonce. Preferred.</summary>
    AeadAes256GcmRtpSize,

    /// <summary><c>aead_xchacha20_poly1305_rtpsize</c>: XChaCha20-Poly1305, 24-byte nonce. Always available.</summary>
    AeadXChaCha20Poly1305RtpSize,
}

/// <summary>Wire names of <see cref="VoiceEncryptionMode"/>.</summary>
public static class VoiceEncryptionModes
{
    public const string AesGcm = "aead_aes256_gcm_rtpsize";
    public const string XChaCha20 = "aead_xchacha20_poly1305_rtpsize";

    /// <summary>The name sent in Select Protocol.</summary>
    public static string ToWireName(this VoiceEncryptionMode mode) => mode switch
    {
        VoiceEncryptionMode.AeadAes256GcmRtpSize => AesGcm,
        VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize => XChaCha20,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>Parses a wire name; false for modes we do not implement.</summary>
    public static bool TryParse(string? name, out VoiceEncryptionMode mode)
    {
        switch (name)
        {
            case AesGcm:
                mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
                return true;
            case XChaCha20:
                mode = VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize;
                return true;
            default:
                mode = default;
                return false;
        }
    }

    /// <summary>Our choice among the server's modes: AES-GCM first, then XChaCha20; null when none is usable.</summary>
    public static VoiceEncryptionMode? Choose(IEnumerable<string> offered, VoiceEncryptionMode? preferred = null)
    {
        ArgumentNullException.ThrowIfNull(offered);
        var set = offered.ToHashSet(StringComparer.Ordinal);
        if (preferred is { } p && set.Contains(p.ToWireName()))
        {
            return p;
        }

        if (set.Contains(AesGcm))
        {
            return VoiceEncryptionMode.AeadAes256GcmRtpSize;
        }

        return set.Contains(XChaCha20) ? VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize : null;
    }
}
