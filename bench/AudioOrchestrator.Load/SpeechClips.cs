using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Load;

/// <summary>One spoken question in both wire forms: 20 ms 48 kHz stereo Opus packets (Discord) and 20 ms 16 kHz pcm16 chunks (live socket).</summary>
internal sealed record SpeechClip(string Text, PcmAudio Speech16k, IReadOnlyList<byte[]> Opus, IReadOnlyList<byte[]> Pcm16)
{
    public int Frames => Opus.Count;
}

/// <summary>espeak-ng questions (real speech, so Silero segments them as it would a person), made once per run.</summary>
internal static class SpeechClips
{
    public static readonly string[] Questions =
    [
        "echo hello world",
        "what time is it in Paris",
        "could you echo this sentence back to me please",
        "tell me something about the weather tomorrow",
    ];

    /// <summary>Discord's silence frame.</summary>
    public static readonly byte[] OpusSilence = [0xF8, 0xFF, 0xFE];

    /// <summary>20 ms of silence as pcm16 at 16 kHz.</summary>
    public static readonly byte[] PcmSilence = new byte[640];

    public static async Task<IReadOnlyList<SpeechClip>> MakeAsync(CancellationToken cancellationToken)
    {
        List<SpeechClip> clips = [];
        foreach (var text in Questions)
        {
            var wav = await EspeakCli.SayAsync(text, cancellationToken);
            clips.Add(FromSpeech(text, WavCodec.Decode(wav).ToMono().ResampleTo(AudioFormat.SpeechSampleRate)));
        }

        return clips;
    }

    public static SpeechClip FromSpeech(string text, PcmAudio speech16k)
    {
        ArgumentNullException.ThrowIfNull(speech16k);
        var opus = OpusPacketizer.Encode(speech16k, channels: 2);
        var bytes = new byte[speech16k.Samples.Length * 2];
        Buffer.BlockCopy(speech16k.Samples, 0, bytes, 0, bytes.Length);
        List<byte[]> chunks = [];
        for (var offset = 0; offset < bytes.Length; offset += 640)
        {
            var chunk = new byte[640];
            bytes.AsSpan(offset, Math.Min(640, bytes.Length - offset)).CopyTo(chunk);
            chunks.Add(chunk);
        }

        return new SpeechClip(text, speech16k, opus, chunks);
    }
}
