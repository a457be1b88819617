namespace AudioOrchestrator.Dave.Frames;

/// <summary>Unsigned LEB128, as used by the DAVE frame footer for the nonce and unencrypted ranges.</summary>
public static class Uleb128
{
    /// <summary>Bytes needed to encode <paramref name="value"/>.</summary>
    public static int Size(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes <paramref name="value"/> and returns the number of bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(0x80 | (value & 0x7F));
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>
    /// Reads a value of at most <paramref name="maxValue"/>; false when the input ends inside the
    /// value, the value overflows or is larger than allowed. <paramref name="length"/> is the bytes read.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ulong maxValue, out ulong value, out int length)
    {
        value = 0;
        length = 0;
        var shift = 0;
        while (length < source.Length)
        {
            var b = source[length++];
            if (shift == 63 && (b & 0x7E) != 0)
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value <= maxValue;
            }

            shift += 7;
            if (shift > 63)
            {
                return false;
            }
        }

        return false;
    }
}
