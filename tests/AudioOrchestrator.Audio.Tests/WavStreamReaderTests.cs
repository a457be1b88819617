using System.Buffers.Binary;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Audio.Tests;

/// <summary>WAV read as it arrives: the same samples as the whole-file reader, however the bytes are cut.</summary>
public sealed class WavStreamReaderTests
{
    private static short[] ReadInPieces(byte[] wav, int piece, WavStreamReader reader)
    {
        var samples = new List<short>();
        for (var offset = 0; offset < wav.Length; offset += piece)
        {
            samples.AddRange(reader.Append(wav.AsSpan(offset, Math.Min(piece, wav.Length - offset))));
        }

        reader.Complete();
        return [.. samples];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(43)]
    [InlineData(44)]
    [InlineData(4801)]
    public void Any_cut_gives_the_samples_of_the_whole_file(int piece)
    {
        var audio = TestAudio.Tone(300, 200, 22_050);
        var reader = new WavStreamReader();

        var samples = ReadInPieces(WavCodec.Encode(audio), piece, reader);

        Assert.Equal(audio.Samples, samples);
        Assert.Equal((22_050, 1), (reader.SampleRate, reader.Channels));
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0u)]
    public void A_streamed_file_with_a_placeholder_size_and_an_extra_chunk_is_read_to_its_end(uint placeholder)
    {
        // RIFF size and data size unknown when the header was written (a server streaming its WAV), a LIST chunk first.
        var audio = TestAudio.Tone(500, 300, 24_000);
        var canonical = WavCodec.Encode(audio);
        var list = "LIST"u8.ToArray().Concat(BitConverter.GetBytes(5)).Concat("INFOx\0"u8.ToArray()).ToArray(); // odd size, padded
        var wav = canonical[..36].Concat(list).Concat(canonical[36..]).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), placeholder);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(36 + list.Length + 4), placeholder);

        var samples = ReadInPieces(wav, 7, new WavStreamReader());

        Assert.Equal(audio.Samples, samples);
    }

    [Fact]
    public void Bytes_after_the_declared_data_are_not_audio()
    {
        var audio = TestAudio.Tone(500, 100, 16_000);
        var wav = WavCodec.Encode(audio).Concat("junkjunk"u8.ToArray()).ToArray();

        Assert.Equal(audio.Samples, ReadInPieces(wav, 100, new WavStreamReader()));
    }

    [Fact]
    public void Bytes_that_are_not_riff_fail_on_the_first_four_and_a_short_file_is_truncated()
    {
        var wav = WavCodec.Encode(TestAudio.Tone(500, 100, 16_000));
        var cut = new WavStreamReader();
        cut.Append(wav.AsSpan(0, wav.Length - 11));

        Assert.Contains("RIFF", Assert.Throws<InvalidAudioException>(() => new WavStreamReader().Append("<htm"u8)).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidAudioException>(cut.Complete).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidAudioException>(() => ReadInPieces(wav[..30], 5, new WavStreamReader()));
    }
}
