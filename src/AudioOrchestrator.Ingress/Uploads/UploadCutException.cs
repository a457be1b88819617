namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// The upload was not heard to its end: the speaker's activation went away with the rest of it (a silo crashed), so
/// its answers would never come. The client is told at once, to send it again, instead of waiting for the turn timeout.
/// </summary>
public sealed class UploadCutException : Exception
{
    public UploadCutException()
        : base("The recording was cut by a failover before it was heard to its end; send it again.")
    {
    }

    public UploadCutException(string message)
        : base(message)
    {
    }

    public UploadCutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
