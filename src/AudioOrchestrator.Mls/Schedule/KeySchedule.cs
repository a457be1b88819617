using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Mls.Schedule;

/// <summary>Secrets of one epoch (RFC 9420 §8, Table 4).</summary>
public sealed record EpochSecrets(
    byte[] JoinerSecret,
    byte[] WelcomeSecret,
    byte[] EpochSecret,
    byte[] SenderDataSecret,
    byte[] EncryptionSecret,
    byte[] ExporterSecret,
    byte[] ExternalSecret,
    byte[] ConfirmationKey,
    byte[] MembershipKey,
    byte[] ResumptionPsk,
    byte[] EpochAuthenticator,
    byte[] InitSecret);

/// <summary>The MLS key schedule (RFC 9420 §8).</summary>
public static class KeySchedule
{
    /// <summary>Joiner secret from the previous init secret, the commit secret and the new GroupContext.</summary>
    public static byte[] JoinerSecret(CipherSuite suite, ReadOnlySpan<byte> previousInitSecret, ReadOnlySpan<byte> commitSecret, ReadOnlySpan<byte> groupContext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var prk = suite.Extract(previousInitSecret, commitSecret);
        return suite.ExpandWithLabel(prk, "joiner", groupContext, suite.HashLength);
    }

    /// <summary>Runs the schedule for a new epoch from its init secret and commit secret.</summary>
    public static EpochSecrets Advance(CipherSuite suite, ReadOnlySpan<byte> previousInitSecret, ReadOnlySpan<byte> commitSecret, ReadOnlySpan<byte> pskSecret, ReadOnlySpan<byte> groupContext) =>
        FromJoiner(suite, JoinerSecret(suite, previousInitSecret, commitSecret, groupContext), pskSecret, groupContext);

    /// <summary>Runs the schedule from a joiner secret (as a new member does).</summary>
    public static EpochSecrets FromJoiner(CipherSuite suite, byte[] joinerSecret, ReadOnlySpan<byte> pskSecret, ReadOnlySpan<byte> groupContext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var psk = pskSecret.IsEmpty ? new byte[suite.HashLength] : pskSecret.ToArray();
        var member = suite.Extract(joinerSecret, psk);
        var epoch = suite.ExpandWithLabel(member, "epoch", groupContext, suite.HashLength);
        return Derive(suite, joinerSecret, suite.DeriveSecret(member, "welcome"), epoch);
    }

    /// <summary>Secrets of a group's first epoch from a random epoch secret (RFC 9420 §11).</summary>
    public static EpochSecrets FromEpochSecret(CipherSuite suite, byte[] epochSecret) => Derive(suite, [], [], epochSecret);

    private static EpochSecrets Derive(CipherSuite suite, byte[] joinerSecret, byte[] welcomeSecret, byte[] epoch)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return new EpochSecrets(
            joinerSecret,
            welcomeSecret,
            epoch,
            suite.DeriveSecret(epoch, "sender data"),
            suite.DeriveSecret(epoch, "encryption"),
            suite.DeriveSecret(epoch, "exporter"),
            suite.DeriveSecret(epoch, "external"),
            suite.DeriveSecret(epoch, "confirm"),
            suite.DeriveSecret(epoch, "membership"),
            suite.DeriveSecret(epoch, "resumption"),
            suite.DeriveSecret(epoch, "authentication"),
            suite.DeriveSecret(epoch, "init"));
    }

    /// <summary>Welcome secret from a joiner secret and PSK secret (RFC 9420 §8).</summary>
    public static byte[] WelcomeSecret(CipherSuite suite, ReadOnlySpan<byte> joinerSecret, ReadOnlySpan<byte> pskSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var psk = pskSecret.IsEmpty ? new byte[suite.HashLength] : pskSecret.ToArray();
        return suite.DeriveSecret(suite.Extract(joinerSecret, psk), "welcome");
    }

    /// <summary>MLS-Exporter (RFC 9420 §8.5).</summary>
    public static byte[] Export(CipherSuite suite, ReadOnlySpan<byte> exporterSecret, string label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var derived = suite.DeriveSecret(exporterSecret, label);
        return suite.ExpandWithLabel(derived, "exported", suite.Hash(context), length);
    }

    /// <summary>MLS-Exporter with a binary label (the test vectors use arbitrary bytes).</summary>
    public static byte[] Export(CipherSuite suite, ReadOnlySpan<byte> exporterSecret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var derived = suite.ExpandWithLabel(exporterSecret, label, [], suite.HashLength);
        return suite.ExpandWithLabel(derived, "exported", suite.Hash(context), length);
    }

    /// <summary>The public key of the external-join HPKE key pair.</summary>
    public static byte[] ExternalPublicKey(CipherSuite suite, ReadOnlySpan<byte> externalSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.Kem.DeriveKeyPair(externalSecret).PublicKey;
    }
}
