namespace AudioOrchestrator.Audio;

/// <summary>The Silero VAD model file is missing, altered or not a Silero v5 model. The message names the path and the fix.</summary>
public sealed class SileroVadModelException : Exception
{
    public SileroVadModelException()
    {
    }

    public SileroVadModelException(string message)
        : base(message)
    {
    }

    public SileroVadModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SileroVadModelException(string message, string modelPath, Exception? innerException = null)
        : base(message, innerException)
    {
        ModelPath = modelPath;
    }

    /// <summary>The model file concerned, when known.</summary>
    public string? ModelPath { get; }
}
