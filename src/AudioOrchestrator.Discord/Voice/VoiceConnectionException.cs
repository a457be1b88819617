namespace AudioOrchestrator.Discord.Voice;

/// <summary>The voice connection ended before it was ready.</summary>
public sealed class VoiceConnectionException : Exception
{
    public VoiceConnectionException()
    {
    }

    public VoiceConnectionException(string message)
        : base(message)
    {
    }

    public VoiceConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VoiceConnectionException(VoiceConnectionEnd end)
        : base($"Voice connection ended: {end?.Action} (close code {end?.CloseCode}) {end?.Reason}") => End = end;

    /// <summary>How it ended.</summary>
    public VoiceConnectionEnd? End { get; }
}
