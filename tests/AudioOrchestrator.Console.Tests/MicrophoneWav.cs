using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Console.Tests;

/// <summary>
/// A WAV for Chromium's fake microphone: espeak-ng's en-us voice (the voice the service's test acoustic model is enrolled
/// to) saying each phrase, with silence before (the socket is open and the worklet running first) and between.
/// </summary>
public static class MicrophoneWav
{
    public static async Task<string> WriteAsync(CancellationToken cancellationToken, int leadingSilenceMs, params (string Text, int SilenceAfterMs)[] phrases)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        var parts = new List<PcmAudio>();
        foreach (var (text, silenceAfterMs) in phrases)
        {
            var speech = WavCodec.Decode(await EspeakCli.SayAsync(text, cancellationToken));
            if (parts.Count == 0)
            {
                parts.Add(TestAudio.Silence(leadingSilenceMs, speech.SampleRate));
            }

            parts.Add(speech);
            parts.Add(TestAudio.Silence(silenceAfterMs, speech.SampleRate));
        }

        var path = Path.Combine(Path.GetTempPath(), "ao-microphone-" + Guid.NewGuid().ToString("N")[..12] + ".wav");
        await File.WriteAllBytesAsync(path, WavCodec.Encode(TestAudio.Concat([.. parts])), cancellationToken);
        return path;
    }
}
