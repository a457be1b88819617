using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Group;

/// <summary>Decryption of the two layers of a Welcome (RFC 9420 §12.4.3.1).</summary>
public static class WelcomeSecrets
{
    /// <summary>Finds and decrypts the GroupSecrets addressed to <paramref name="keyPackage"/>.</summary>
    public static GroupSecrets DecryptGroupSecrets(CipherSuite suite, Welcome welcome, KeyPackage keyPackage, ReadOnlySpan<byte> initPrivateKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(welcome);
        ArgumentNullException.ThrowIfNull(keyPackage);
        if (welcome.CipherSuite != suite.Id || keyPackage.CipherSuite != suite.Id)
        {
            throw new MlsProtocolException("Welcome, key package and suite disagree on the cipher suite.");
        }

        var reference = keyPackage.Reference(suite);
        var entry = welcome.Secrets.FirstOrDefault(s => s.NewMember.AsSpan().SequenceEqual(reference))
            ?? throw new MlsProtocolException("The Welcome has no secrets for this key package.");
        var plaintext = suite.DecryptWithLabel(initPrivateKey, "Welcome", welcome.EncryptedGroupInfo, entry.EncryptedSecrets);
        try
        {
            return TlsCodec.Deserialize<GroupSecrets>(plaintext);
        }
        catch (MlsDecodeException ex)
        {
            throw new MlsProtocolException("Malformed GroupSecrets.", ex);
        }
    }

    /// <summary>Decrypts the GroupInfo with the key derived from the joiner secret and PSK secret.</summary>
    public static GroupInfo DecryptGroupInfo(CipherSuite suite, Welcome welcome, ReadOnlySpan<byte> joinerSecret, ReadOnlySpan<byte> pskSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(welcome);
        var welcomeSecret = KeySchedule.WelcomeSecret(suite, joinerSecret, pskSecret);
        var key = suite.ExpandWithLabel(welcomeSecret, "key", [], suite.KeyLength);
        var nonce = suite.ExpandWithLabel(welcomeSecret, "nonce", [], suite.NonceLength);
        var plaintext = suite.Open(key, nonce, [], welcome.EncryptedGroupInfo);
        try
        {
            return TlsCodec.Deserialize<GroupInfo>(plaintext);
        }
        catch (MlsDecodeException ex)
        {
            throw new MlsProtocolException("Malformed GroupInfo.", ex);
        }
    }

    /// <summary>Encrypts a GroupInfo for a Welcome.</summary>
    public static byte[] EncryptGroupInfo(CipherSuite suite, GroupInfo groupInfo, ReadOnlySpan<byte> joinerSecret, ReadOnlySpan<byte> pskSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(groupInfo);
        var welcomeSecret = KeySchedule.WelcomeSecret(suite, joinerSecret, pskSecret);
        var key = suite.ExpandWithLabel(welcomeSecret, "key", [], suite.KeyLength);
        var nonce = suite.ExpandWithLabel(welcomeSecret, "nonce", [], suite.NonceLength);
        return suite.Seal(key, nonce, [], groupInfo.Serialize());
    }
}
