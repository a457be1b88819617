using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Creates signed key packages with fresh init and encryption keys (RFC 9420 §10).</summary>
public static class KeyPackageFactory
{
    /// <summary>Capabilities announcing MLS 1.0, the given suite and basic credentials.</summary>
    public static Capabilities DefaultCapabilities(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return new Capabilities([GroupContext.Mls10], [suite.Id], [], [], [(ushort)CredentialType.Basic]);
    }

    /// <summary>
    /// Creates a key package. The lifetime defaults to the whole uint64 range (as DAVE uses);
    /// the signature key pair is the caller's long-term identity key.
    /// </summary>
    public static (KeyPackage KeyPackage, KeyPackagePrivateKeys PrivateKeys) Create(
        CipherSuite suite,
        Credential credential,
        byte[] signaturePrivateKey,
        Capabilities? capabilities = null,
        Lifetime? lifetime = null,
        IReadOnlyList<Extension>? leafExtensions = null,
        IReadOnlyList<Extension>? keyPackageExtensions = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(signaturePrivateKey);
        var (initPriv, initPub) = suite.Kem.GenerateKeyPair();
        var (encPriv, encPub) = suite.Kem.GenerateKeyPair();
        var leaf = new LeafNode(
            encPub,
            suite.SignaturePublicKey(signaturePrivateKey),
            credential,
            capabilities ?? DefaultCapabilities(suite),
            LeafNodeSource.KeyPackage,
            lifetime ?? new Lifetime(0, ulong.MaxValue),
            null,
            leafExtensions ?? [],
            []).Sign(suite, signaturePrivateKey, null, 0);
        var keyPackage = new KeyPackage(suite.Id, initPub, leaf, keyPackageExtensions ?? [], []).Sign(suite, signaturePrivateKey);
        return (keyPackage, new KeyPackagePrivateKeys(initPriv, encPriv, signaturePrivateKey));
    }
}
