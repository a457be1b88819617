using System.Buffers.Binary;

namespace AudioOrchestrator.Audio;

/// <summary>An Ogg Opus stream: its identification header and its audio packets.</summary>
/// <param name="Channels">Channel count of the OpusHead.</param>
/// <param name="PreSkip">Samples (at 48 kHz) to drop from the decoded start.</param>
/// <param name="Packets">The audio packets, in order.</param>
public sealed record OggOpusStream(int Channels, int PreSkip, IReadOnlyList<byte[]> Packets)
{
    /// <summary>True when every packet is one 20 ms frame's worth: what a voice channel sends as it is.</summary>
    public bool IsTwentyMillisecondPackets => Packets.Count > 0 && Packets.All(p => OpusPacketInfo.DurationSamples(p) == 960);
}

/// <summary>The identification header of an Ogg Opus stream (RFC 7845 section 5.1).</summary>
/// <param name="Channels">1 or 2.</param>
/// <param name="PreSkip">Samples (at 48 kHz) to drop from the decoded start.</param>
public sealed record OpusHead(int Channels, int PreSkip)
{
    /// <summary>Reads the OpusHead and checks the OpusTags packet after it.</summary>
    public static OpusHead Parse(byte[] head, byte[] tags)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(tags);
        if (head.Length < 19 || !head.AsSpan().StartsWith("OpusHead"u8))
        {
            throw new InvalidDataException("The Ogg data is not Opus: it does not start with an OpusHead packet.");
        }

        var channels = head[9];
        if ((head[8] & 0xF0) != 0 || channels is < 1 or > 2 || head[18] != 0)
        {
            throw new InvalidDataException($"The OpusHead (version {head[8]}, {channels} channels, mapping family {head[18]}) is not a mono or stereo stream this service plays.");
        }

        if (!tags.AsSpan().StartsWith("OpusTags"u8))
        {
            throw new InvalidDataException("The Opus stream has no OpusTags packet after its OpusHead.");
        }

        return new OpusHead(channels, BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(10)));
    }

    /// <summary>Throws when <paramref name="packet"/> (the <paramref name="index"/>th audio packet) is not a valid Opus packet.</summary>
    public static void CheckAudioPacket(byte[] packet, int index)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (OpusPacketInfo.DurationSamples(packet) < 0)
        {
            throw new InvalidDataException($"Opus packet {index} is malformed: {packet.Length} bytes, no valid table of contents.");
        }
    }
}

/// <summary>
/// Reads an Ogg Opus file (RFC 7845 in RFC 3533 pages) whole: capture patterns, page CRCs, packets across pages, the
/// OpusHead and OpusTags headers. A truncated, corrupt or multiplexed stream is an <see cref="InvalidDataException"/>
/// that says where, never a partial result.
/// </summary>
public static class OggOpusReader
{
    /// <summary>Reads every packet of <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a complete, well-formed Ogg Opus stream.</exception>
    public static OggOpusStream Read(ReadOnlySpan<byte> data)
    {
        var reader = new OggOpusStreamReader();
        var audio = reader.Append(data);
        reader.Complete();
        return new OggOpusStream(reader.Head!.Channels, reader.Head.PreSkip, audio);
    }
}
