using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Tests;

public sealed class WelcomeTests
{
    [Fact]
    public void WelcomeVectors()
    {
        var run = 0;
        foreach (var c in TestVectors.Load("welcome.json").Where(c => CipherSuite.IsSupported(c.GetProperty("cipher_suite").GetUInt16())))
        {
            var suite = CipherSuite.Get(c.GetProperty("cipher_suite").GetUInt16());
            var keyPackage = TlsCodec.Deserialize<MlsMessage>(c.Hex("key_package")).KeyPackage!;
            var welcome = TlsCodec.Deserialize<MlsMessage>(c.Hex("welcome")).Welcome!;
            Assert.True(keyPackage.VerifySignature(suite));
            var secrets = WelcomeSecrets.DecryptGroupSecrets(suite, welcome, keyPackage, c.Hex("init_priv"));
            Assert.Empty(secrets.Psks);
            var info = WelcomeSecrets.DecryptGroupInfo(suite, welcome, secrets.JoinerSecret, []);
            Assert.True(info.VerifySignature(suite, c.Hex("signer_pub")));
            var epoch = KeySchedule.FromJoiner(suite, secrets.JoinerSecret, [], info.GroupContext.Serialize());
            Assert.Equal(info.ConfirmationTag, TranscriptHashes.ConfirmationTag(suite, epoch.ConfirmationKey, info.GroupContext.ConfirmedTranscriptHash));
            Assert.Throws<MlsProtocolException>(() => WelcomeSecrets.DecryptGroupSecrets(suite, welcome, keyPackage, suite.Kem.GenerateKeyPair().PrivateKey));
            run++;
        }

        Assert.Equal(5, run);
        TestVectors.LoadSuite("welcome.json", CipherSuite.P256Aes128Sha256);
    }
}
