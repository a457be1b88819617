using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>
/// One piece of synthesised speech as the synthesis stage plays it: Opus packets that go to the voice channel as they
/// are (Ogg Opus whose packets are all 20 ms: no decode, no re-encode), or 48 kHz mono samples to encode (WAV at any
/// rate, or Ogg Opus with other packet lengths, decoded).
/// </summary>
public sealed record SynthesizedSpeech(IReadOnlyList<byte[]>? Packets, short[]? Samples)
{
    /// <summary>Reads a content of a text-to-speech response; a format the stage cannot play is an <see cref="InvalidDataException"/>.</summary>
    public static SynthesizedSpeech Read(DataContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.MediaType.StartsWith("audio/ogg", StringComparison.OrdinalIgnoreCase)
            || content.MediaType.Equals("audio/opus", StringComparison.OrdinalIgnoreCase))
        {
            var ogg = OggOpusReader.Read(content.Data.Span);
            return ogg.IsTwentyMillisecondPackets
                ? new SynthesizedSpeech(ogg.Packets, null)
                : new SynthesizedSpeech(null, OpusFrameWriter.Prepare(Decode(ogg)));
        }

        if (content.MediaType.StartsWith(SpeechAudioFormats.Wav, StringComparison.OrdinalIgnoreCase)
            || content.MediaType.Equals("audio/x-wav", StringComparison.OrdinalIgnoreCase))
        {
            return new SynthesizedSpeech(null, OpusFrameWriter.Prepare(WavCodec.Decode(content.Data.Span)));
        }

        throw new InvalidDataException($"The synthesis stage plays WAV or Ogg Opus, not {content.MediaType}.");
    }

    private static PcmAudio Decode(OggOpusStream ogg)
    {
        var decoded = OpusPacketizer.Decode(ogg.Packets.Select(p => (ReadOnlyMemory<byte>)p), ogg.Channels);
        var skip = Math.Min(ogg.PreSkip * ogg.Channels, decoded.Samples.Length);
        return decoded with { Samples = decoded.Samples[skip..] };
    }
}
