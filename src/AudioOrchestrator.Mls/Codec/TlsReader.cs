using System.Buffers.Binary;

namespace AudioOrchestrator.Mls.Codec;

/// <summary>
/// Strict reader for the TLS presentation language as used by RFC 9420: big-endian integers and
/// variable-length vectors whose length is a QUIC-style variable-length integer (§2.1.2).
/// Every failure is reported as <see cref="MlsDecodeException"/>.
/// </summary>
public sealed class TlsReader
{
    /// <summary>Largest vector length representable by the RFC 9420 varint (2^30 - 1).</summary>
    public const int MaxVectorLength = (1 << 30) - 1;

    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public TlsReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
    }

    /// <summary>Bytes not yet consumed.</summary>
    public int Remaining => _data.Length - _position;

    /// <summary>True when every byte has been consumed.</summary>
    public bool IsAtEnd => _position == _data.Length;

    public byte ReadUInt8() => Take(1).Span[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2).Span);

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4).Span);

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8).Span);

    /// <summary>Reads a boolean encoded as one byte (0 or 1).</summary>
    public bool ReadBool() => ReadUInt8() switch
    {
        0 => false,
        1 => true,
        var b => throw new MlsDecodeException($"Invalid boolean/optional presence byte {b}."),
    };

    /// <summary>Reads an RFC 9420 variable-length integer, rejecting non-minimal encodings.</summary>
    public int ReadVarInt()
    {
        var first = ReadUInt8();
        var prefix = first >> 6;
        uint value = (uint)(first & 0x3F);
        switch (prefix)
        {
            case 0:
                return (int)value;
            case 1:
                value = (value << 8) | ReadUInt8();
                if (value < 64)
                {
                    throw new MlsDecodeException("Non-minimal variable-length integer encoding.");
                }

                return (int)value;
            case 2:
                {
                    var rest = Take(3).Span;
                    value = (value << 24) | ((uint)rest[0] << 16) | ((uint)rest[1] << 8) | rest[2];
                    if (value < 16384)
                    {
                        throw new MlsDecodeException("Non-minimal variable-length integer encoding.");
                    }

                    return (int)value;
                }

            default:
                throw new MlsDecodeException("Invalid variable-length integer prefix 0b11.");
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public byte[] ReadFixed(int count) => Take(count).ToArray();

    /// <summary>Reads <c>opaque data&lt;V&gt;</c>.</summary>
    public byte[] ReadOpaque()
    {
        var length = ReadVarInt();
        return Take(length).ToArray();
    }

    /// <summary>Reads a variable-length vector whose elements are decoded by <paramref name="item"/>.</summary>
    public IReadOnlyList<T> ReadVector<T>(Func<TlsReader, T> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var inner = ReadSubReader();
        var list = new List<T>();
        while (!inner.IsAtEnd)
        {
            list.Add(item(inner));
        }

        return list;
    }

    /// <summary>Reads a length-prefixed region and returns a reader over it.</summary>
    public TlsReader ReadSubReader()
    {
        var length = ReadVarInt();
        return new TlsReader(Take(length));
    }

    /// <summary>Reads <c>optional&lt;T&gt;</c>.</summary>
    public T? ReadOptional<T>(Func<TlsReader, T> item)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(item);
        return ReadBool() ? item(this) : null;
    }

    /// <summary>Reads the rest of the input.</summary>
    public byte[] ReadRemaining() => Take(Remaining).ToArray();

    /// <summary>Throws unless all input has been consumed.</summary>
    public void EnsureEnd()
    {
        if (!IsAtEnd)
        {
            throw new MlsDecodeException($"{Remaining} unexpected trailing byte(s).");
        }
    }

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MlsDecodeException($"Truncated input: needed {count} byte(s), {Remaining} left.");
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
