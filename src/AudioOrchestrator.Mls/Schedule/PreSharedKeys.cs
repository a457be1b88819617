using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Mls.Schedule;

/// <summary><c>PSKType</c> (RFC 9420 §8.4).</summary>
public enum PskType : byte
{
    External = 1,
    Resumption = 2,
}

/// <summary><c>ResumptionPSKUsage</c> (RFC 9420 §8.4).</summary>
public enum ResumptionPskUsage : byte
{
    Application = 1,
    ReInit = 2,
    Branch = 3,
}

/// <summary><c>PreSharedKeyID</c> (RFC 9420 §8.4). External PSKs use <see cref="PskId"/>; resumption PSKs the group fields.</summary>
public sealed record PreSharedKeyId(
    PskType Type,
    byte[] PskId,
    ResumptionPskUsage Usage,
    byte[] PskGroupId,
    ulong PskEpoch,
    byte[] PskNonce) : ITlsEncodable, ITlsDecodable<PreSharedKeyId>
{
    /// <summary>An external PSK identifier.</summary>
    public static PreSharedKeyId External(byte[] pskId, byte[] nonce) => new(PskType.External, pskId, default, [], 0, nonce);

    public static PreSharedKeyId Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = reader.ReadUInt8();
        switch (type)
        {
            case (byte)PskType.External:
                return new PreSharedKeyId(PskType.External, reader.ReadOpaque(), default, [], 0, reader.ReadOpaque());
            case (byte)PskType.Resumption:
                var usage = reader.ReadUInt8();
                if (usage is < 1 or > 3)
                {
                    throw new MlsDecodeException($"Invalid resumption PSK usage {usage}.");
                }

                return new PreSharedKeyId(PskType.Resumption, [], (ResumptionPskUsage)usage, reader.ReadOpaque(), reader.ReadUInt64(), reader.ReadOpaque());
            default:
                throw new MlsDecodeException($"Invalid PSK type {type}.");
        }
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt8((byte)Type);
        if (Type == PskType.External)
        {
            writer.WriteOpaque(PskId);
        }
        else
        {
            writer.WriteUInt8((byte)Usage);
            writer.WriteOpaque(PskGroupId);
            writer.WriteUInt64(PskEpoch);
        }

        writer.WriteOpaque(PskNonce);
    }
}

/// <summary>Combination of pre-shared keys into <c>psk_secret</c> (RFC 9420 §8.4).</summary>
public static class PreSharedKeys
{
    /// <summary>Computes psk_secret; an empty list gives the all-zero secret.</summary>
    public static byte[] PskSecret(CipherSuite suite, IReadOnlyList<(PreSharedKeyId Id, byte[] Psk)> psks)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(psks);
        var secret = new byte[suite.HashLength];
        var zero = new byte[suite.HashLength];
        for (var i = 0; i < psks.Count; i++)
        {
            var extracted = suite.Extract(zero, psks[i].Psk);
            var label = TlsCodec.Serialize(w =>
            {
                psks[i].Id.Encode(w);
                w.WriteUInt16((ushort)i);
                w.WriteUInt16((ushort)psks.Count);
            });
            var input = suite.ExpandWithLabel(extracted, "derived psk", label, suite.HashLength);
            secret = suite.Extract(input, secret);
        }

        return secret;
    }
}
