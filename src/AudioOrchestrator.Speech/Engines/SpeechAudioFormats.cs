namespace AudioOrchestrator.Speech;

/// <summary>Media types of synthesised speech that the synthesis stage plays.</summary>
public static class SpeechAudioFormats
{
    /// <summary>A RIFF/WAVE file of 16-bit PCM at any rate.</summary>
    public const string Wav = "audio/wav";

    /// <summary>An Ogg Opus file (RFC 7845).</summary>
    public const string OggOpus = "audio/ogg; codecs=opus";
}
