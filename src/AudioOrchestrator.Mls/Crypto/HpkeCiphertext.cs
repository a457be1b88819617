using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Crypto;

/// <summary><c>HPKECiphertext</c> (RFC 9420 §5.1.3).</summary>
public sealed record HpkeCiphertext(byte[] KemOutput, byte[] Ciphertext) : ITlsEncodable, ITlsDecodable<HpkeCiphertext>
{
    public static HpkeCiphertext Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new HpkeCiphertext(reader.ReadOpaque(), reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(KemOutput);
        writer.WriteOpaque(Ciphertext);
    }
}
