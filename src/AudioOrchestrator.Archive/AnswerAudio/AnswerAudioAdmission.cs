using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>What both stores refuse before writing anything: an answer above the size limit, or bytes that are not a WAV file.</summary>
internal static partial class AnswerAudioAdmission
{
    public static bool Admit(ILogger logger, AnswerAudioOptions options, string sessionId, string turnId, ReadOnlySpan<byte> wav)
    {
        if (wav.Length > options.MaxBytes)
        {
            LogTooLarge(logger, sessionId, turnId, wav.Length, options.MaxBytes);
            return false;
        }

        if (!WavHeader.IsWhole(wav))
        {
            LogNotWav(logger, sessionId, turnId, wav.Length);
            return false;
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} not kept: {Bytes} bytes, more than Archive:AnswerAudio:MaxBytes ({MaxBytes})")]
    private static partial void LogTooLarge(ILogger logger, string sessionId, string turnId, int bytes, long maxBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} not kept: its {Bytes} bytes are not a whole WAV file")]
    private static partial void LogNotWav(ILogger logger, string sessionId, string turnId, int bytes);
}
