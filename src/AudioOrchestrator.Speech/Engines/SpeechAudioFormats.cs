namespace AudioOrchestrator.Speech;

/// <summary>Media types of synthesised speech that the synthesis stage plays.</summary>
public static class SpeechAudioFormats
{
    /// <summary>A RIFF/WAVE file of 16-bit PCM at any rate.</summary>
    public const string Wav = "audio/wav";

    /// <summary>Raw 16-bit little-endian mono PCM; 24 kHz (OpenAI's <c>pcm</c>) unless a <c>rate=</c> parameter says otherwise.</summary>
    public const string Pcm = "audio/pcm";

    /// <summary>An Ogg Opus file (RFC 7845).</summary>
    public const string OggOpus = "audio/ogg; codecs=opus";
}
