namespace AudioOrchestrator.Mls;

/// <summary>Base class of every error raised by the MLS library.</summary>
public class MlsException : Exception
{
    public MlsException()
    {
    }

    public MlsException(string message)
        : base(message)
    {
    }

    public MlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Raised when bytes do not decode as the expected TLS presentation-language structure:
/// truncation, trailing bytes, non-minimal vector lengths or out-of-range enumeration values.
/// </summary>
public sealed class MlsDecodeException : MlsException
{
    public MlsDecodeException()
    {
    }

    public MlsDecodeException(string message)
        : base(message)
    {
    }

    public MlsDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Raised when a cryptographic check or a protocol rule fails.</summary>
public sealed class MlsProtocolException : MlsException
{
    public MlsProtocolException()
    {
    }

    public MlsProtocolException(string message)
        : base(message)
    {
    }

    public MlsProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
