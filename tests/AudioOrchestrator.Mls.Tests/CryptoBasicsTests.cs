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

        Assert.Equal(3, run);
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
}
