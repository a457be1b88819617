using System.Buffers.Binary;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>
/// Reads one sentence of synthesised speech as it arrives (the engine's body in chunks cut anywhere) and writes it as
/// 20 ms Opus packets: Ogg Opus packets of 20 ms go out as they are (no decode, no re-encode); other Opus packets are
/// decoded; WAV (any rate) and raw PCM (<c>audio/pcm</c>, 16-bit little-endian mono, 24 kHz unless <c>rate=</c> says
/// otherwise) are resampled to 48 kHz mono (libsoxr, streaming) and encoded by the <see cref="OpusFrameWriter"/>.
/// Not thread-safe; one per sentence.
/// </summary>
public sealed class SynthesizedSpeechReader : IDisposable
{
    /// <summary>Rate of raw PCM speech without a <c>rate=</c> parameter: what OpenAI sends for <c>pcm</c>.</summary>
    public const int DefaultPcmSampleRate = 24_000;

    private readonly SpeechBody _body;
    private readonly OggOpusStreamReader? _ogg;
    private readonly WavStreamReader? _wav;
    private readonly int _pcmRate;
    private byte? _pcmOddByte;
    private OpusDecoder? _decoder;
    private short[] _decoded = [];
    private int _preSkipLeft = -1;
    private StreamingResampler? _resampler;
    private short[] _resampled = [];
    private short[] _mono = [];
    private short[] _pcm = [];

    /// <param name="mediaType">The content's media type.</param>
    /// <exception cref="InvalidDataException">A format the stage cannot play.</exception>
    public SynthesizedSpeechReader(string mediaType)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        var type = mediaType.Split(';')[0].Trim();
        _body = type.ToLowerInvariant() switch
        {
            "audio/opus" => SpeechBody.Ogg,
            "audio/ogg" when mediaType.Contains("opus", StringComparison.OrdinalIgnoreCase) => SpeechBody.Ogg,
            "audio/wav" or "audio/x-wav" or "audio/wave" => SpeechBody.Wav,
            "audio/pcm" or "audio/l16" => SpeechBody.Pcm,
            _ => throw new InvalidDataException($"The synthesis stage plays WAV, raw PCM or Ogg Opus, not {mediaType}."),
        };
        _ogg = _body == SpeechBody.Ogg ? new OggOpusStreamReader() : null;
        _wav = _body == SpeechBody.Wav ? new WavStreamReader() : null;
        _pcmRate = _body == SpeechBody.Pcm ? RateParameter(mediaType) ?? DefaultPcmSampleRate : 0;
    }

    /// <summary>Reads the next bytes; the packets they complete are added to <paramref name="packets"/> through <paramref name="writer"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not (a continuation of) the announced format.</exception>
    public void Append(ReadOnlySpan<byte> chunk, OpusFrameWriter writer, List<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(packets);
        try
        {
            switch (_body)
            {
                case SpeechBody.Ogg:
                    WriteOpus(_ogg!.Append(chunk), writer, packets);
                    break;
                case SpeechBody.Wav:
                    var samples = _wav!.Append(chunk);
                    WritePcm(samples, _wav.SampleRate!.Value, _wav.Channels!.Value, writer, packets);
                    break;
                default:
                    WritePcm(PcmSamples(chunk), _pcmRate, 1, writer, packets);
                    break;
            }
        }
        catch (InvalidAudioException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    /// <summary>The body ended: writes what the resampler holds; throws when the body was cut short.</summary>
    /// <exception cref="InvalidDataException">The body ended inside a page, a header or a sample.</exception>
    public void Complete(OpusFrameWriter writer, List<byte[]> packets)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(packets);
        if (_resampler is not null)
        {
            EnsureCapacity(ref _resampled, 4096);
            int flushed;
            while ((flushed = _resampler.Flush(_resampled)) > 0)
            {
                writer.Write(_resampled.AsSpan(0, flushed), packets);
            }
        }

        try
        {
            _ogg?.Complete();
            _wav?.Complete();
        }
        catch (InvalidAudioException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }

        if (_pcmOddByte is not null)
        {
            throw new InvalidDataException("The PCM speech ends inside a sample (an odd number of bytes).");
        }
    }

    public void Dispose()
    {
        _decoder?.Dispose();
        _resampler?.Dispose();
    }

    private void WriteOpus(IReadOnlyList<byte[]> audio, OpusFrameWriter writer, List<byte[]> packets)
    {
        foreach (var packet in audio)
        {
            if (_decoder is null && OpusPacketInfo.DurationSamples(packet) == writer.FrameSamples)
            {
                // A 20 ms packet from the engine goes out as it is.
                writer.Flush(packets);
                packets.Add(packet);
                continue;
            }

            // Packets of other lengths are decoded (from here on, so the decoder's state stays continuous).
            var head = _ogg!.Head!;
            _decoder ??= new OpusDecoder(AudioFormat.OpusSampleRate, head.Channels);
            if (_preSkipLeft < 0)
            {
                _preSkipLeft = head.PreSkip;
            }

            EnsureCapacity(ref _decoded, _decoder.MaxFrameSamples * head.Channels);
            var perChannel = _decoder.Decode(packet, _decoded);
            var mono = Downmix(_decoded.AsSpan(0, perChannel * head.Channels), head.Channels);
            var skip = Math.Min(_preSkipLeft, mono.Length);
            _preSkipLeft -= skip;
            writer.Write(mono[skip..], packets);
        }
    }

    private void WritePcm(ReadOnlySpan<short> interleaved, int rate, int channels, OpusFrameWriter writer, List<byte[]> packets)
    {
        if (interleaved.Length == 0)
        {
            return;
        }

        var mono = Downmix(interleaved, channels);
        if (rate == AudioFormat.OpusSampleRate)
        {
            writer.Write(mono, packets);
            return;
        }

        _resampler ??= new StreamingResampler(rate, AudioFormat.OpusSampleRate, 1);
        EnsureCapacity(ref _resampled, _resampler.MaxOutputSamples(mono.Length));
        var produced = _resampler.Process(mono, _resampled);
        writer.Write(_resampled.AsSpan(0, produced), packets);
    }

    private ReadOnlySpan<short> PcmSamples(ReadOnlySpan<byte> chunk)
    {
        var total = chunk.Length + (_pcmOddByte is null ? 0 : 1);
        EnsureCapacity(ref _pcm, total / 2);
        var samples = _pcm.AsSpan(0, total / 2);
        var source = 0;
        var index = 0;
        if (_pcmOddByte is { } odd && chunk.Length > 0)
        {
            samples[index++] = (short)(odd | (chunk[0] << 8));
            source = 1;
            _pcmOddByte = null;
        }

        for (; index < samples.Length; index++, source += 2)
        {
            samples[index] = BinaryPrimitives.ReadInt16LittleEndian(chunk[source..]);
        }

        if (source < chunk.Length)
        {
            _pcmOddByte = chunk[source];
        }

        return samples;
    }

    /// <summary>Mono samples: mono input as it is, other input mixed down into a buffer reused for each chunk.</summary>
    private ReadOnlySpan<short> Downmix(ReadOnlySpan<short> interleaved, int channels)
    {
        if (channels == 1)
        {
            return interleaved;
        }

        EnsureCapacity(ref _mono, interleaved.Length / channels);
        var mono = _mono.AsSpan(0, interleaved.Length / channels);
        PcmMath.Downmix(interleaved, channels, mono);
        return mono;
    }

    private static void EnsureCapacity(ref short[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new short[length];
        }
    }

    private static int? RateParameter(string mediaType)
    {
        foreach (var part in mediaType.Split(';').Skip(1))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length == 2 && pair[0].Equals("rate", StringComparison.OrdinalIgnoreCase))
            {
                return int.TryParse(pair[1], System.Globalization.CultureInfo.InvariantCulture, out var rate) && rate is >= 8000 and <= 192_000
                    ? rate
                    : throw new InvalidDataException($"The PCM speech's rate '{pair[1]}' is not a sample rate between 8000 and 192000.");
            }
        }

        return null;
    }

    private enum SpeechBody
    {
        Ogg,
        Wav,
        Pcm,
    }
}
