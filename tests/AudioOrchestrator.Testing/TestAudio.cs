using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing;

/// <summary>Synthetic audio for tests: tones, silence and their concatenation.</summary>
public static class TestAudio
{
    public static PcmAudio Tone(double frequencyHz, int milliseconds, int sampleRate = 16000, double amplitude = 0.3)
    {
        var samples = new short[sampleRate * milliseconds / 1000];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(Math.Sin(2 * Math.PI * frequencyHz * i / sampleRate) * amplitude * short.MaxValue);
        }

        return new PcmAudio(samples, sampleRate, 1);
    }

    public static PcmAudio Silence(int milliseconds, int sampleRate = 16000) =>
        PcmAudio.Silence(TimeSpan.FromMilliseconds(milliseconds), sampleRate);

    public static PcmAudio Concat(params PcmAudio[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var rate = parts[0].SampleRate;
        if (parts.Any(p => p.SampleRate != rate || p.Channels != 1))
        {
            throw new ArgumentException("Parts must be mono at one sample rate.", nameof(parts));
        }

        return new PcmAudio(parts.SelectMany(p => p.Samples).ToArray(), rate, 1);
    }

    /// <summary>A tone "spoken" between silences, as an uploaded question would be.</summary>
    public static PcmAudio Question(double frequencyHz, int speechMs = 800) =>
        Concat(Silence(300), Tone(frequencyHz, speechMs), Silence(900));

    /// <summary>Dominant frequency of the loud part of the audio, from zero crossings.</summary>
    public static double EstimateFrequency(PcmAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var mono = audio.ToMono().Samples;
        var threshold = mono.Length == 0 ? 0 : mono.Max(s => Math.Abs((int)s)) / 4;
        if (threshold == 0)
        {
            return 0;
        }

        var crossings = 0;
        var loudSamples = 0;
        for (var i = 1; i < mono.Length; i++)
        {
            var loud = Math.Abs((int)mono[i]) >= threshold || Math.Abs((int)mono[i - 1]) >= threshold
                || IsNearLoud(mono, i, threshold);
            if (!loud)
            {
                continue;
            }

            loudSamples++;
            if ((mono[i - 1] < 0) != (mono[i] < 0))
            {
                crossings++;
            }
        }

        return loudSamples == 0 ? 0 : crossings / 2.0 * audio.SampleRate / loudSamples;
    }

    private static bool IsNearLoud(short[] samples, int index, int threshold)
    {
        // Within a 5 ms window of a loud sample counts as inside the tone (sine zero crossings are quiet).
        var from = Math.Max(0, index - 40);
        var to = Math.Min(samples.Length - 1, index + 40);
        for (var i = from; i <= to; i += 4)
        {
            if (Math.Abs((int)samples[i]) >= threshold)
            {
                return true;
            }
        }

        return false;
    }
}
