using System.Buffers.Binary;

namespace AudioOrchestrator.Audio;

/// <summary>
/// Reads a 16-bit PCM WAV file as it arrives, in chunks cut anywhere: the header (RIFF, 'fmt ', chunks up to 'data') is
/// checked as <see cref="WavCodec.Decode"/> checks it, then each <see cref="Append"/> returns the whole sample frames
/// its bytes completed. A streamed file's placeholder data size (0 or 0xFFFFFFFF) means "until the end". Not
/// thread-safe.
/// </summary>
public sealed class WavStreamReader
{
    private const int RiffHeaderSize = 12;
    private const int ChunkHeaderSize = 8;
    private const int MaxHeaderBytes = 64 * 1024;

    private byte[] _pending = new byte[256];
    private int _pendingLength;
    private long? _dataRemaining;
    private bool _riffSizeIsPlaceholder;
    private WavFormat? _format;

    /// <summary>Sample rate, once the header has been read.</summary>
    public int? SampleRate => _format?.SampleRate;

    /// <summary>Channel count, once the header has been read.</summary>
    public int? Channels => _format?.Channels;

    /// <summary>Adds the next bytes of the file; returns the interleaved samples they completed (empty while in the header).</summary>
    /// <exception cref="InvalidAudioException">The bytes are not (a continuation of) a 16-bit PCM WAV file.</exception>
    public short[] Append(ReadOnlySpan<byte> chunk)
    {
        if (_format is null)
        {
            Buffer(chunk);
            if (!TryReadHeader(out var dataStart))
            {
                return [];
            }

            var body = _pending.AsSpan(dataStart, _pendingLength - dataStart).ToArray();
            _pendingLength = 0;
            return Samples(body);
        }

        return Samples(chunk);
    }

    /// <summary>The file ended: throws when it ended in its header, inside a sample frame or before its declared data size.</summary>
    /// <exception cref="InvalidAudioException">The file is truncated.</exception>
    public void Complete()
    {
        if (_format is null)
        {
            // Says what is missing, as the whole-file reader does.
            _ = WavCodec.Decode(_pending.AsSpan(0, _pendingLength));
            throw new InvalidAudioException("The WAV file ends in its header.");
        }

        if (_dataRemaining is > 0)
        {
            throw new InvalidAudioException($"The WAV file is truncated: its 'data' chunk is {_dataRemaining} bytes short of its declared size.");
        }

        if (_pendingLength > 0)
        {
            throw new InvalidAudioException($"The WAV data ends inside a sample frame ({_pendingLength} of {_format.Value.BlockAlign} bytes).");
        }
    }

    private void Buffer(ReadOnlySpan<byte> chunk)
    {
        if (_pendingLength + chunk.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + chunk.Length));
        }

        chunk.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += chunk.Length;
    }

    private bool TryReadHeader(out int dataStart)
    {
        dataStart = 0;
        var wav = _pending.AsSpan(0, _pendingLength);
        var magic = Math.Min(4, wav.Length);
        if (!wav[..magic].SequenceEqual("RIFF"u8[..magic]))
        {
            throw new InvalidAudioException("The data is not a WAV file: it does not start with 'RIFF'.");
        }

        if (wav.Length < RiffHeaderSize)
        {
            return false;
        }

        if (!wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidAudioException("The RIFF file is not a WAVE file (its form type is not 'WAVE').");
        }

        _riffSizeIsPlaceholder = WavCodec.IsStreamingPlaceholder(BinaryPrimitives.ReadUInt32LittleEndian(wav[4..]));
        WavFormat? format = null;
        var offset = RiffHeaderSize;
        while (wav.Length - offset >= ChunkHeaderSize)
        {
            var id = wav.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(wav[(offset + 4)..]);
            var bodyStart = offset + ChunkHeaderSize;
            if (id.SequenceEqual("data"u8))
            {
                _format = format ?? throw new InvalidAudioException("The WAV file has no 'fmt ' chunk before its 'data' chunk.");
                _dataRemaining = size == 0xFFFFFFFF || (size == 0 && _riffSizeIsPlaceholder) ? null : size;
                dataStart = bodyStart;
                return true;
            }

            if (bodyStart + (long)size > wav.Length)
            {
                break; // the chunk's body is still coming
            }

            if (id.SequenceEqual("fmt "u8))
            {
                format = WavFormat.Parse(wav.Slice(bodyStart, (int)size));
            }

            offset = bodyStart + (int)size + (int)(size & 1);
        }

        if (wav.Length > MaxHeaderBytes)
        {
            throw new InvalidAudioException($"The WAV file has no 'data' chunk in its first {MaxHeaderBytes} bytes.");
        }

        return false;
    }

    private short[] Samples(ReadOnlySpan<byte> body)
    {
        var format = _format!.Value;
        if (_dataRemaining is { } remaining && body.Length > remaining)
        {
            body = body[..(int)remaining]; // anything after the data chunk is not audio
        }

        _dataRemaining -= body.Length;
        var total = _pendingLength + body.Length;
        var whole = total - (total % format.BlockAlign);
        var samples = new short[whole / 2];
        var bytes = new byte[whole];
        _pending.AsSpan(0, Math.Min(_pendingLength, whole)).CopyTo(bytes);
        if (whole > _pendingLength)
        {
            body[..(whole - _pendingLength)].CopyTo(bytes.AsSpan(_pendingLength));
        }

        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i));
        }

        // Keep the partial frame for the next chunk.
        var rest = total - whole;
        var tail = new byte[rest];
        if (_pendingLength > whole)
        {
            _pending.AsSpan(whole, _pendingLength - whole).CopyTo(tail);
            body.CopyTo(tail.AsSpan(_pendingLength - whole));
        }
        else
        {
            body[(whole - _pendingLength)..].CopyTo(tail);
        }

        tail.CopyTo(_pending);
        _pendingLength = rest;
        return samples;
    }
}
