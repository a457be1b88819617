namespace AudioOrchestrator.Audio;

/// <summary>Thrown when supplied audio cannot be used; the message is meant for the end user.</summary>
public sealed class InvalidAudioException : Exception
{
    public InvalidAudioException()
        : base("The audio is invalid.")
    {
    }

    public InvalidAudioException(string message)
        : base(message)
    {
    }

    public InvalidAudioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
