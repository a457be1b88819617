namespace AudioOrchestrator.Audio;

/// <summary>
/// Reads an Ogg Opus stream as it arrives, in chunks cut anywhere: each <see cref="Append"/> returns the audio packets
/// its complete pages finished (checked as <see cref="OggOpusReader"/> checks a whole file), so playback can start on
/// the first page. <see cref="Complete"/> says whether the stream ended cleanly. Not thread-safe.
/// </summary>
public sealed class OggOpusStreamReader
{
    private readonly OggPacketAssembler _assembler = new();
    private readonly List<byte[]> _packets = [];
    private byte[] _buffer = new byte[4096];
    private int _buffered;
    private byte[]? _headPacket;
    private int _audioPackets;

    /// <summary>The stream's OpusHead once its first two packets (OpusHead, OpusTags) were read; null before.</summary>
    public OpusHead? Head { get; private set; }

    /// <summary>Adds the next bytes of the stream; returns the audio packets completed by them, in order.</summary>
    /// <exception cref="InvalidDataException">The bytes are not (a continuation of) a well-formed Ogg Opus stream.</exception>
    public IReadOnlyList<byte[]> Append(ReadOnlySpan<byte> chunk)
    {
        if (_buffered + chunk.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _buffered + chunk.Length));
        }

        chunk.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += chunk.Length;
        if (_buffered >= 4 && !_buffer.AsSpan(0, 4).SequenceEqual("OggS"u8))
        {
            // Checked before a page is whole, so that a body that is not Ogg at all fails on its first bytes.
            _ = _assembler.AddPage(_buffer.AsSpan(0, _buffered), _packets);
        }

        var offset = 0;
        while (OggPacketAssembler.PageLength(_buffer.AsSpan(offset, _buffered - offset)) is { } length && length <= _buffered - offset)
        {
            offset += _assembler.AddPage(_buffer.AsSpan(offset, _buffered - offset), _packets);
        }

        _buffer.AsSpan(offset, _buffered - offset).CopyTo(_buffer);
        _buffered -= offset;
        return TakeAudio();
    }

    /// <summary>The stream ended: throws when it ended inside a page or a packet, or before its headers.</summary>
    /// <exception cref="InvalidDataException">The stream is truncated or has no Opus headers.</exception>
    public void Complete()
    {
        if (_buffered > 0)
        {
            _ = _assembler.AddPage(_buffer.AsSpan(0, _buffered), _packets); // says how the last page is cut short
        }

        _assembler.Finish();
        if (Head is null)
        {
            throw new InvalidDataException("The Ogg data is not Opus: it does not start with an OpusHead packet.");
        }
    }

    private IReadOnlyList<byte[]> TakeAudio()
    {
        if (_packets.Count == 0)
        {
            return [];
        }

        var index = 0;
        if (Head is null)
        {
            if (_headPacket is null)
            {
                _headPacket = _packets[0];
                index = 1;
            }

            if (index >= _packets.Count)
            {
                _packets.Clear();
                return [];
            }

            Head = OpusHead.Parse(_headPacket, _packets[index]);
            index++;
        }

        var audio = new List<byte[]>(_packets.Count - index);
        for (; index < _packets.Count; index++)
        {
            OpusHead.CheckAudioPacket(_packets[index], _audioPackets++);
            audio.Add(_packets[index]);
        }

        _packets.Clear();
        return audio;
    }
}
