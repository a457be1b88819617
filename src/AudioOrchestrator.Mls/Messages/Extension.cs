using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Messages;

/// <summary>Registered extension types (RFC 9420 §17.3).</summary>
public static class ExtensionType
{
    public const ushort ApplicationId = 1;
    public const ushort RatchetTree = 2;
    public const ushort RequiredCapabilities = 3;
    public const ushort ExternalPub = 4;
    public const ushort ExternalSenders = 5;
}

/// <summary><c>Extension</c> (RFC 9420 §7.2).</summary>
public sealed record Extension(ushort Type, byte[] Data) : ITlsEncodable, ITlsDecodable<Extension>
{
    public static Extension Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new Extension(reader.ReadUInt16(), reader.ReadOpaque());
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16(Type);
        writer.WriteOpaque(Data);
    }

    /// <summary>Reads <c>Extension extensions&lt;V&gt;</c>.</summary>
    public static IReadOnlyList<Extension> DecodeList(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.ReadVector(Decode);
    }

    /// <summary>Writes <c>Extension extensions&lt;V&gt;</c>.</summary>
    public static void EncodeList(TlsWriter writer, IReadOnlyList<Extension> extensions)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteVector(extensions, (w, e) => e.Encode(w));
    }
}
