namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// The upload was heard to its end, but its session no longer works on it and its answers did not all come: the turns
/// died with the activation that had them (a silo crashed) or the session was forgotten meanwhile. The client is told
/// at once, to send it again, instead of waiting for the turn timeout.
/// </summary>
public sealed class TurnLostException : Exception
{
    public TurnLostException()
        : base("The session stopped answering this recording before its answers were complete (the silo answering it stopped, or the session was deleted); send it again.")
    {
    }

    public TurnLostException(string message)
        : base(message)
    {
    }

    public TurnLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
