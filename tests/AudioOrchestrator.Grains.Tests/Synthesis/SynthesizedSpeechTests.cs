using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Tests.Synthesis;

public sealed class SynthesizedSpeechTests
{
    [Fact]
    public void Ogg_opus_with_20_ms_packets_passes_through_byte_for_byte()
    {
        var packets = OpusPacketizer.Encode(TestAudio.Tone(440, 400, 48_000));

        var speech = SynthesizedSpeech.Read(new DataContent(OggOpusWriter.Write(packets), SpeechAudioFormats.OggOpus));

        Assert.Null(speech.Samples);
        Assert.NotNull(speech.Packets);
        Assert.Equal(packets.Select(Convert.ToHexString), speech.Packets.Select(Convert.ToHexString));
    }

    [Fact]
    public void Ogg_opus_with_40_ms_packets_is_decoded_without_its_pre_skip_for_re_encoding()
    {
        var packets = OpusPacketizer.Encode(TestAudio.Tone(440, 400, 48_000));
        var joined = packets.Chunk(2).Select(pair => OggOpusWriter.JoinPair(pair[0], pair[1])).ToList();

        var speech = SynthesizedSpeech.Read(new DataContent(OggOpusWriter.Write(joined), "audio/opus"));

        Assert.Null(speech.Packets);
        Assert.Equal((400 * 48) - 312, speech.Samples!.Length);
        Assert.InRange(TestAudio.EstimateFrequency(new PcmAudio(speech.Samples, 48_000, 1)), 420, 460);
    }

    [Fact]
    public void Wav_at_any_rate_becomes_48_khz_mono_samples()
    {
        var speech = SynthesizedSpeech.Read(new DataContent(WavCodec.Encode(TestAudio.Tone(300, 200, 22_050)), "audio/wav"));

        Assert.Equal(200 * 48, speech.Samples!.Length, tolerance: 48);
    }

    [Theory]
    [InlineData("audio/mpeg")]
    [InlineData("audio/ogg")]
    public void Audio_the_stage_cannot_play_is_a_clear_error(string mediaType) =>
        Assert.Throws<InvalidDataException>(() => SynthesizedSpeech.Read(new DataContent(new byte[100], mediaType)));
}
