namespace AudioOrchestrator.Dave;

/// <summary>Base class of every error raised by the DAVE library.</summary>
public class DaveException : Exception
{
    public DaveException()
    {
    }

    public DaveException(string message)
        : base(message)
    {
    }

    public DaveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Raised when a voice gateway message (binary or JSON) does not parse: truncation, trailing bytes,
/// an unknown or unexpected opcode, an out-of-range field or a malformed embedded MLS structure.
/// </summary>
public sealed class DaveDecodeException : DaveException
{
    public DaveDecodeException()
    {
    }

    public DaveDecodeException(string message)
        : base(message)
    {
    }

    public DaveDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
