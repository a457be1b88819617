namespace AudioOrchestrator.Mls.Codec;

/// <summary>A structure that can be written in the TLS presentation language.</summary>
public interface ITlsEncodable
{
    void Encode(TlsWriter writer);
}

/// <summary>A structure with a static TLS decoder.</summary>
public interface ITlsDecodable<out TSelf>
{
    static abstract TSelf Decode(TlsReader reader);
}

/// <summary>Helpers for whole-buffer encoding and decoding.</summary>
public static class TlsCodec
{
    /// <summary>Serializes a structure to bytes.</summary>
    public static byte[] Serialize(this ITlsEncodable value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = new TlsWriter();
        value.Encode(writer);
        return writer.ToArray();
    }

    /// <summary>Decodes a structure that must occupy the whole buffer.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes)
        where T : ITlsDecodable<T>
    {
        var reader = new TlsReader(bytes);
        var value = T.Decode(reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Decodes with a delegate; the value must occupy the whole buffer.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes, Func<TlsReader, T> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        var reader = new TlsReader(bytes);
        var value = decode(reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Encodes with a delegate.</summary>
    public static byte[] Serialize(Action<TlsWriter> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        var writer = new TlsWriter();
        encode(writer);
        return writer.ToArray();
    }
}
