using System.Buffers.Binary;

namespace AudioOrchestrator.Audio;

/// <summary>Validated contents of a WAV 'fmt ' chunk (16-bit PCM only).</summary>
internal readonly record struct WavFormat(int Channels, int SampleRate, int BlockAlign)
{
    internal const ushort PcmTag = 0x0001;
    private const ushort FloatTag = 0x0003;
    private const ushort ExtensibleTag = 0xFFFE;
    private const int MinSampleRate = 8000;
    private const int MaxSampleRate = 192000;
    private const int MaxChannels = 8;

    /// <summary>KSDATAFORMAT_SUBTYPE_PCM without its leading format tag: xxxx0000-0000-0010-8000-00AA00389B71.</summary>
    private static ReadOnlySpan<byte> GuidTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    internal static WavFormat Parse(ReadOnlySpan<byte> fmt)
    {
        if (fmt.Length < 16)
        {
            throw new InvalidAudioException($"The WAV 'fmt ' chunk is {fmt.Length} bytes; at least 16 are required.");
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var byteRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[8..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        var bitsPerSample = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        var effectiveTag = tag == ExtensibleTag ? ExtensibleSubFormat(fmt) : tag;
        if (effectiveTag != PcmTag)
        {
            throw new InvalidAudioException($"Unsupported WAV encoding: {Describe(effectiveTag)}. Only uncompressed 16-bit PCM is supported.");
        }

        if (channels == 0)
        {
            throw new InvalidAudioException("The WAV file declares zero channels.");
        }

        if (channels > MaxChannels)
        {
            throw new InvalidAudioException($"The WAV file has {channels} channels; at most {MaxChannels} are supported.");
        }

        if (sampleRate == 0)
        {
            throw new InvalidAudioException("The WAV file declares a sample rate of zero.");
        }

        if (sampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new InvalidAudioException($"The WAV sample rate {sampleRate} Hz is not supported; it must be between {MinSampleRate} and {MaxSampleRate} Hz.");
        }

        if (bitsPerSample != 16)
        {
            throw new InvalidAudioException($"The WAV file uses {bitsPerSample}-bit samples; only 16-bit PCM is supported.");
        }

        var expectedBlockAlign = channels * 2;
        if (blockAlign != expectedBlockAlign)
        {
            throw new InvalidAudioException($"The WAV header is inconsistent: block align is {blockAlign} but {channels} channel(s) of 16-bit samples need {expectedBlockAlign}.");
        }

        var expectedByteRate = sampleRate * (uint)expectedBlockAlign;
        if (byteRate != expectedByteRate)
        {
            throw new InvalidAudioException($"The WAV header is inconsistent: byte rate is {byteRate} but {sampleRate} Hz x {expectedBlockAlign} bytes per frame is {expectedByteRate}.");
        }

        return new WavFormat(channels, (int)sampleRate, blockAlign);
    }

    private static ushort ExtensibleSubFormat(ReadOnlySpan<byte> fmt)
    {
        // WAVEFORMATEXTENSIBLE: 16 bytes WAVEFORMAT, cbSize (2), valid bits (2), channel mask (4), sub-format GUID (16).
        if (fmt.Length < 40 || BinaryPrimitives.ReadUInt16LittleEndian(fmt[16..]) < 22)
        {
            throw new InvalidAudioException($"The WAV 'fmt ' chunk declares WAVE_FORMAT_EXTENSIBLE but is {fmt.Length} bytes; 40 are required.");
        }

        var guid = fmt.Slice(24, 16);
        if (!guid[2..].SequenceEqual(GuidTail))
        {
            throw new InvalidAudioException("Unsupported WAV encoding: WAVE_FORMAT_EXTENSIBLE with an unknown sub-format. Only uncompressed 16-bit PCM is supported.");
        }

        return BinaryPrimitives.ReadUInt16LittleEndian(guid);
    }

    private static string Describe(ushort tag) => tag switch
    {
        FloatTag => "IEEE float",
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0055 => "MP3",
        _ => $"format tag 0x{tag:X4}",
    };
}
