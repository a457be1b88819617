using System.Buffers;
using System.Buffers.Binary;

namespace AudioOrchestrator.Mls.Codec;

/// <summary>Writer for the TLS presentation language with RFC 9420 variable-length vectors.</summary>
public sealed class TlsWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>Number of bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    public void WriteUInt8(byte value) => Write([value]);

    public void WriteUInt16(ushort value)
    {
        Span<byte> tmp = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(tmp, value);
        Write(tmp);
    }

    public void WriteUInt32(uint value)
    {
        Span<byte> tmp = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tmp, value);
        Write(tmp);
    }

    public void WriteUInt64(ulong value)
    {
        Span<byte> tmp = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(tmp, value);
        Write(tmp);
    }

    public void WriteBool(bool value) => WriteUInt8(value ? (byte)1 : (byte)0);

    /// <summary>Writes a minimal RFC 9420 variable-length integer (0 .. 2^30-1).</summary>
    public void WriteVarInt(int value)
    {
        switch (value)
        {
            case < 0 or > TlsReader.MaxVectorLength:
                throw new ArgumentOutOfRangeException(nameof(value), "Vector length out of range.");
            case < 64:
                WriteUInt8((byte)value);
                break;
            case < 16384:
                WriteUInt16((ushort)(0x4000 | value));
                break;
            default:
                WriteUInt32(0x8000_0000u | (uint)value);
                break;
        }
    }

    /// <summary>Writes raw bytes without a length prefix.</summary>
    public void Write(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    /// <summary>Writes <c>opaque data&lt;V&gt;</c>.</summary>
    public void WriteOpaque(ReadOnlySpan<byte> bytes)
    {
        WriteVarInt(bytes.Length);
        Write(bytes);
    }

    /// <summary>Writes a length-prefixed region whose content is produced by <paramref name="body"/>.</summary>
    public void WriteVector(Action<TlsWriter> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var inner = new TlsWriter();
        body(inner);
        WriteOpaque(inner._buffer.WrittenSpan);
    }

    /// <summary>Writes a vector of items.</summary>
    public void WriteVector<T>(IEnumerable<T> items, Action<TlsWriter, T> item)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(item);
        WriteVector(w =>
        {
            foreach (var x in items)
            {
                item(w, x);
            }
        });
    }

    /// <summary>Writes <c>optional&lt;T&gt;</c>.</summary>
    public void WriteOptional<T>(T? value, Action<TlsWriter, T> item)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(item);
        WriteBool(value is not null);
        if (value is not null)
        {
            item(this, value);
        }
    }

    /// <summary>Copies the written bytes.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
