using AudioOrchestrator.Audio.Interop;

namespace AudioOrchestrator.Audio;

/// <summary>A libopus call failed; carries the libopus error code and its <c>opus_strerror</c> text.</summary>
public sealed class OpusException : Exception
{
    public OpusException()
        : this("libopus call failed")
    {
    }

    public OpusException(string message)
        : base(message)
    {
        NativeMessage = string.Empty;
    }

    public OpusException(string message, Exception innerException)
        : base(message, innerException)
    {
        NativeMessage = string.Empty;
    }

    public OpusException(string operation, int errorCode)
        : this(operation, errorCode, OpusNative.ErrorText(errorCode))
    {
    }

    private OpusException(string operation, int errorCode, string nativeMessage)
        : base($"{operation} failed: {nativeMessage} (opus error {errorCode}).")
    {
        ErrorCode = errorCode;
        NativeMessage = nativeMessage;
    }

    /// <summary>Negative libopus error code (OPUS_BAD_ARG = -1 ... OPUS_ALLOC_FAIL = -7), 0 if not from libopus.</summary>
    public int ErrorCode { get; }

    /// <summary>Text from <c>opus_strerror</c>, e.g. "corrupted stream".</summary>
    public string NativeMessage { get; }

    /// <summary><c>OPUS_INVALID_PACKET</c>.</summary>
    public const int InvalidPacket = -4;

    /// <summary><c>OPUS_BAD_ARG</c>.</summary>
    public const int BadArgument = -1;

    /// <summary><c>OPUS_BUFFER_TOO_SMALL</c>.</summary>
    public const int BufferTooSmall = -2;
}
