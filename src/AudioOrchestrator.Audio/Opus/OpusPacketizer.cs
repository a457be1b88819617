using System.Buffers;

namespace AudioOrchestrator.Audio;

/// <summary>Whole-clip conversion between <see cref="PcmAudio"/> and 20 ms Opus packets (48 kHz, or speech at 16 kHz).</summary>
public static class OpusPacketizer
{
    /// <summary>Converts to 48 kHz with <paramref name="channels"/> channels and encodes 20 ms packets (VoIP mode); the last frame is zero-padded.</summary>
    public static IReadOnlyList<byte[]> Encode(PcmAudio audio, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(audio);
        using var encoder = new OpusEncoder(AudioFormat.OpusSampleRate, channels);
        return Encode(ToChannels(audio, channels).ResampleTo(AudioFormat.OpusSampleRate), encoder);
    }

    /// <summary>Encodes speech for a speaker stream as <see cref="SpeechOpus"/> says (16 kHz mono); the last frame is zero-padded.</summary>
    public static IReadOnlyList<byte[]> EncodeSpeech(PcmAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        using var encoder = SpeechOpus.CreateEncoder();
        return Encode(audio.ToMono().ResampleTo(SpeechOpus.SampleRate), encoder);
    }

    private static List<byte[]> Encode(PcmAudio pcm, OpusEncoder encoder)
    {
        var channels = encoder.Channels;
        var frameLength = encoder.FrameSamples * channels;
        var frameCount = (pcm.Samples.Length + frameLength - 1) / frameLength;
        var packets = new List<byte[]>(frameCount);
        var packet = ArrayPool<byte>.Shared.Rent(OpusEncoder.MaxPacketSize);
        var padded = new short[frameLength];
        try
        {
            for (var i = 0; i < frameCount; i++)
            {
                ReadOnlySpan<short> frame = pcm.Samples.AsSpan(i * frameLength, Math.Min(frameLength, pcm.Samples.Length - (i * frameLength)));
                if (frame.Length < frameLength)
                {
                    frame.CopyTo(padded);
                    frame = padded;
                }

                var length = encoder.Encode(frame, packet.AsSpan(0, OpusEncoder.MaxPacketSize));
                packets.Add(packet.AsSpan(0, length).ToArray());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(packet);
        }

        return packets;
    }

    /// <summary>Decodes packets into 48 kHz PCM with <paramref name="channels"/> channels.</summary>
    public static PcmAudio Decode(IEnumerable<ReadOnlyMemory<byte>> packets, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(packets);
        using var decoder = new OpusDecoder(AudioFormat.OpusSampleRate, channels);
        var maxSamples = decoder.MaxFrameSamples * channels;
        var output = new ArrayBufferWriter<short>();
        foreach (var packet in packets)
        {
            var span = output.GetSpan(maxSamples)[..maxSamples];
            var frames = packet.IsEmpty ? decoder.Conceal(span, AudioFormat.SamplesPerFrame(AudioFormat.OpusSampleRate)) : decoder.Decode(packet.Span, span);
            output.Advance(frames * channels);
        }

        return new PcmAudio(output.WrittenSpan.ToArray(), AudioFormat.OpusSampleRate, channels);
    }

    private static PcmAudio ToChannels(PcmAudio audio, int channels)
    {
        if (channels is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Opus packets carry 1 or 2 channels.");
        }

        if (audio.Channels == channels)
        {
            return audio;
        }

        var mono = audio.ToMono();
        if (channels == 1)
        {
            return mono;
        }

        var stereo = new short[mono.Samples.Length * 2];
        PcmMath.MonoToStereo(mono.Samples, stereo);
        return new PcmAudio(stereo, mono.SampleRate, 2);
    }
}
