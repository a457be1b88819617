using System.Text;
using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Mls.Tests;

public sealed class CryptoBasicsTests
{
    [Fact]
    public void CryptoBasicsVectors()
    {
        var all = TestVectors.Load("crypto-basics.json");
        var run = 0;
        foreach (var c in all.Where(c => CipherSuite.IsSupported(c.GetProperty("cipher_suite").GetUInt16())))
        {
            var suite = CipherSuite.Get(c.GetProperty("cipher_suite").GetUInt16());

            var rh = c.GetProperty("ref_hash");
            Assert.Equal(rh.Str("out"), suite.RefHash(rh.Str("label"), rh.Hex("value")).ToHex());

            var ewl = c.GetProperty("expand_with_label");
            Assert.Equal(ewl.Str("out"), suite.ExpandWithLabel(ewl.Hex("secret"), ewl.Str("label"), ewl.Hex("context"), ewl.GetProperty("length").GetInt32()).ToHex());

            var ds = c.GetProperty("derive_secret");
            Assert.Equal(ds.Str("out"), suite.DeriveSecret(ds.Hex("secret"), ds.Str("label")).ToHex());

            var dts = c.GetProperty("derive_tree_secret");
            Assert.Equal(dts.Str("out"), suite.DeriveTreeSecret(dts.Hex("secret"), dts.Str("label"), dts.U32("generation"), dts.GetProperty("length").GetInt32()).ToHex());

            var swl = c.GetProperty("sign_with_label");
            Assert.True(suite.VerifyWithLabel(swl.Hex("pub"), swl.Str("label"), swl.Hex("content"), swl.Hex("signature")));
            var mine = suite.SignWithLabel(swl.Hex("priv"), swl.Str("label"), swl.Hex("content"));
            Assert.True(suite.VerifyWithLabel(swl.Hex("pub"), swl.Str("label"), swl.Hex("content"), mine));
            Assert.False(suite.VerifyWithLabel(swl.Hex("pub"), swl.Str("label") + "x", swl.Hex("content"), mine));
            Assert.Equal(swl.Str("pub"), suite.SignaturePublicKey(swl.Hex("priv")).ToHex());

            var e = c.GetProperty("encrypt_with_label");
            var ct = new HpkeCiphertext(e.Hex("kem_output"), e.Hex("ciphertext"));
            Assert.Equal(e.Str("plaintext"), suite.DecryptWithLabel(e.Hex("priv"), e.Str("label"), e.Hex("context"), ct).ToHex());
            var ct2 = suite.EncryptWithLabel(e.Hex("pub"), e.Str("label"), e.Hex("context"), e.Hex("plaintext"));
            Assert.Equal(e.Str("plaintext"), suite.DecryptWithLabel(e.Hex("priv"), e.Str("label"), e.Hex("context"), ct2).ToHex());
            Assert.Throws<MlsProtocolException>(() => suite.DecryptWithLabel(e.Hex("priv"), e.Str("label"), [1], ct2));
            run++;
        }

        Assert.Equal(5, run);
        TestVectors.LoadSuite("crypto-basics.json", CipherSuite.P256Aes128Sha256);
    }

    /// <summary>RFC 9180 Appendix A.3.1 (DHKEM(P-256), HKDF-SHA256, AES-128-GCM, base mode).</summary>
    [Fact]
    public void Rfc9180BaseModeP256Vector()
    {
        var suite = CipherSuite.Get(2);
        var (skE, pkE) = suite.Kem.DeriveKeyPair(Convert.FromHexString("4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e"));
        Assert.Equal("04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4", pkE.ToHex());
        Assert.Equal("4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb", skE.ToHex());
        var (skR, pkR) = suite.Kem.DeriveKeyPair(Convert.FromHexString("668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550"));
        Assert.Equal("f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2", skR.ToHex());
        var (shared, enc) = suite.Kem.EncapDeterministic(pkR, skE);
        Assert.Equal(pkE, enc);
        Assert.Equal("c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8", shared.ToHex());
        Assert.Equal(shared, suite.Kem.Decap(enc, skR));
        var info = Convert.FromHexString("4f6465206f6e2061204772656369616e2055726e");
        var aad = Convert.FromHexString("436f756e742d30");
        var ct = Convert.FromHexString("5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434");
        var pt = suite.Hpke.OpenBase(enc, skR, info, aad, ct);
        Assert.Equal("Beauty is truth, truth beauty", Encoding.ASCII.GetString(pt));
    }

    /// <summary>RFC 7748 §5.2 and §6.1.</summary>
    [Fact]
    public void X25519Rfc7748Vectors()
    {
        var kem = CipherSuite.Get(1).Kem;
        Assert.Equal("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", Curve25519.X25519(
            Convert.FromHexString("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
            Convert.FromHexString("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")).ToHex());
        var alice = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var bob = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", kem.PublicKeyOf(alice).ToHex());
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", kem.PublicKeyOf(bob).ToHex());
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Curve25519.X25519(alice, kem.PublicKeyOf(bob)).ToHex());
    }

    /// <summary>RFC 8032 §7.1, test 1.</summary>
    [Fact]
    public void Ed25519Rfc8032Vector()
    {
        var scheme = CipherSuite.Get(1).Signature;
        var secret = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        var pub = scheme.PublicKeyOf(secret);
        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pub.ToHex());
        var sig = scheme.Sign(secret, []);
        Assert.Equal("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", sig.ToHex());
        Assert.True(scheme.Verify(pub, [], sig));
        sig[5] ^= 1;
        Assert.False(scheme.Verify(pub, [], sig));
        Assert.False(scheme.Verify(pub, [0], scheme.Sign(secret, [])));
    }
}
