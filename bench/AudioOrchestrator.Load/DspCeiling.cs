using System.Diagnostics;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Load;

/// <summary>
/// The raw DSP ceiling, with the project's own classes, on the audio the simulated speakers send: each clip in a
/// speaker's cycle (2 s of silence, the question, 1.5 s of silence while the answer comes), as 20 ms 48 kHz stereo
/// Opus packets: libopus decoding straight to 16 kHz mono (as the speaker grain's <see cref="UtteranceDecoder"/> does;
/// until December 2026 it decoded at 48 kHz and resampled with libsoxr), Silero on every 512-sample window (its energy
/// gate skips the digital silence, as in the service). One thread, best of three; the harness is otherwise idle.
/// </summary>
internal static class DspCeiling
{
    /// <summary>CPU ms per speaker-second of that audio.</summary>
    public static double CpuMsPerSpeakerSecond(IReadOnlyList<SpeechClip> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var cycle = Cycle(clips);
        var packets = OpusPacketizer.Encode(cycle, channels: 2);
        var seconds = packets.Count * 0.02;
        var options = new SileroVadOptions();
        using var model = new SileroVadModel(options);
        Run(model, options, packets);
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            Run(model, options, packets);
            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
        }

        return best / seconds;
    }

    /// <summary>
    /// Silero alone for <paramref name="speakers"/> speakers on speech windows: one inference per speaker window (what
    /// each SpeakerGrain does) against one <see cref="SileroVadBatch"/> call for all of them (a silo-wide batcher with no
    /// hand-off cost: its best case). CPU ms per window, each way.
    /// </summary>
    public static (double DirectMsPerWindow, double BatchedMsPerWindow) SileroBatching(IReadOnlyList<SpeechClip> clips, int speakers, int rounds = 60)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var speech = clips.SelectMany(c => c.Speech16k.Samples).ToArray();
        var windowCount = speech.Length / SileroVadModel.WindowSamples;
        var options = new SileroVadOptions();
        using var model = new SileroVadModel(options);
        var streams = Enumerable.Range(0, speakers).Select(_ => new SileroVadStream(model, options)).ToArray();
        using var batch = new SileroVadBatch(model, speakers);
        var windows = new short[speakers * SileroVadModel.WindowSamples];
        var probabilities = new float[speakers];
        try
        {
            void Fill(int round)
            {
                for (var s = 0; s < speakers; s++)
                {
                    speech.AsSpan(((round + (s * 7)) % windowCount) * SileroVadModel.WindowSamples, SileroVadModel.WindowSamples)
                        .CopyTo(windows.AsSpan(s * SileroVadModel.WindowSamples));
                }
            }

            double Direct()
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                for (var round = 0; round < rounds; round++)
                {
                    Fill(round);
                    for (var s = 0; s < speakers; s++)
                    {
                        streams[s].Process(windows.AsSpan(s * SileroVadModel.WindowSamples, SileroVadModel.WindowSamples));
                    }
                }

                return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / (rounds * speakers);
            }

            double Batched()
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                for (var round = 0; round < rounds; round++)
                {
                    Fill(round);
                    batch.Process(streams, windows, probabilities);
                }

                return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / (rounds * speakers);
            }

            Direct();
            Batched();
            double direct = double.MaxValue, batched = double.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                direct = Math.Min(direct, Direct());
                batched = Math.Min(batched, Batched());
            }

            return (direct, batched);
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    private static PcmAudio Cycle(IReadOnlyList<SpeechClip> clips)
    {
        List<short> samples = [];
        foreach (var clip in clips)
        {
            samples.AddRange(new short[AudioFormat.SpeechSampleRate * 2]);
            samples.AddRange(clip.Speech16k.Samples);
            samples.AddRange(new short[AudioFormat.SpeechSampleRate * 3 / 2]);
        }

        return new PcmAudio([.. samples], AudioFormat.SpeechSampleRate, 1);
    }

    private static void Run(SileroVadModel model, SileroVadOptions options, IReadOnlyList<byte[]> packets)
    {
        using var decoder = new OpusDecoder(AudioFormat.SpeechSampleRate, 1);
        using var vad = new SileroVadStream(model, options);
        var pcm16 = new short[decoder.MaxFrameSamples];
        var window = new short[SileroVadModel.WindowSamples];
        var filled = 0;
        foreach (var packet in packets)
        {
            var resampled = decoder.Decode(packet, pcm16);
            for (var i = 0; i < resampled;)
            {
                var take = Math.Min(resampled - i, window.Length - filled);
                pcm16.AsSpan(i, take).CopyTo(window.AsSpan(filled));
                filled += take;
                i += take;
                if (filled == window.Length)
                {
                    vad.Process(window);
                    filled = 0;
                }
            }
        }
    }
}
