using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>
/// Answer audio in a directory (the embedded default, next to the SQLite archive): <c>{root}/{session}/{turn}.wav</c>,
/// names from <see cref="AnswerAudioKey.FileName"/> (never a path of the client's making). A file is written to a
/// temporary name and renamed, so a reader sees a whole answer or none; its last-write time is set to when it was kept
/// (from the <see cref="TimeProvider"/>), and retention is measured from it. Nodes sharing the directory (one machine,
/// or a shared volume) serve each other's answers.
/// </summary>
public sealed partial class DirectoryAnswerAudioStore : IAnswerAudioStore
{
    private const string Extension = ".wav";
    private const string TemporaryExtension = ".tmp";

    private readonly AnswerAudioOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<DirectoryAnswerAudioStore> _logger;

    /// <summary>A store under <paramref name="root"/> (created on the first answer kept).</summary>
    public DirectoryAnswerAudioStore(string root, AnswerAudioOptions options, TimeProvider clock, ILogger<DirectoryAnswerAudioStore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        Root = Path.GetFullPath(root);
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The directory holding one directory per session.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public async Task<bool> KeepAsync(string sessionId, string turnId, ReadOnlyMemory<byte> wav, CancellationToken cancellationToken)
    {
        AnswerAudioKey.Validate(sessionId, turnId);
        if (!AnswerAudioAdmission.Admit(_logger, _options, sessionId, turnId, wav.Span))
        {
            return false;
        }

        var directory = SessionDirectory(sessionId);
        var path = Path.Combine(directory, AnswerAudioKey.FileName(turnId) + Extension);
        var temporary = Path.Combine(directory, $".{Guid.NewGuid():N}{TemporaryExtension}");
        try
        {
            Directory.CreateDirectory(directory);
            if (_options.MinFreeDiskBytes > 0 && FreeBytes(directory) is { } free && free - wav.Length < _options.MinFreeDiskBytes)
            {
                LogDiskLow(_logger, sessionId, turnId, wav.Length, free, _options.MinFreeDiskBytes, Root);
                return false;
            }

            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true))
            {
                await file.WriteAsync(wav, cancellationToken);
            }

            File.SetLastWriteTimeUtc(temporary, _clock.GetUtcNow().UtcDateTime);
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, ex, sessionId, turnId, Root);
            TryDelete(temporary);
            return false;
        }
        catch (OperationCanceledException)
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> FindAsync(string sessionId, string turnId, CancellationToken cancellationToken)
    {
        AnswerAudioKey.Validate(sessionId, turnId);
        var path = FilePath(sessionId, turnId);
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists || IsExpired(file))
            {
                return null;
            }

            if (file.Length > _options.MaxBytes)
            {
                LogUnreadable(_logger, sessionId, turnId, path, $"{file.Length} bytes, more than Archive:AnswerAudio:MaxBytes");
                return null;
            }

            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            if (!WavHeader.IsWhole(bytes))
            {
                LogUnreadable(_logger, sessionId, turnId, path, "not a whole WAV file");
                return null;
            }

            return bytes;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // deleted meanwhile
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(_logger, sessionId, turnId, path, ex.Message);
            return null;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlySet<string>> FindKeptAsync(string sessionId, IReadOnlyCollection<string> turnIds, CancellationToken cancellationToken)
    {
        AnswerAudioKey.ValidateSession(sessionId);
        ArgumentNullException.ThrowIfNull(turnIds);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var turnId in turnIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AnswerAudioKey.Validate(sessionId, turnId);
            var file = new FileInfo(FilePath(sessionId, turnId));
            if (file.Exists && !IsExpired(file))
            {
                kept.Add(turnId);
            }
        }

        return Task.FromResult<IReadOnlySet<string>>(kept);
    }

    /// <inheritdoc />
    public Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        AnswerAudioKey.ValidateSession(sessionId);
        var directory = SessionDirectory(sessionId);
        if (!Directory.Exists(directory))
        {
            return Task.FromResult(0);
        }

        var deleted = Directory.EnumerateFiles(directory, "*" + Extension).Count();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted meanwhile.
        }

        LogSessionDeleted(_logger, sessionId, deleted);
        return Task.FromResult(deleted);
    }

    /// <inheritdoc />
    public Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root))
        {
            return Task.FromResult(0);
        }

        var deleted = 0;
        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var file = new FileInfo(path);
                // A temporary file older than the retention is what a crash mid-write left behind.
                if ((file.Extension == Extension || file.Extension == TemporaryExtension) && IsExpired(file) && TryDelete(path) && file.Extension == Extension)
                {
                    deleted++;
                }
            }

            TryDeleteIfEmpty(directory);
        }

        if (deleted > 0)
        {
            LogExpiredDeleted(_logger, deleted, _options.Retention, Root);
        }

        return Task.FromResult(deleted);
    }

    private string SessionDirectory(string sessionId) => Path.Combine(Root, AnswerAudioKey.FileName(sessionId));

    private string FilePath(string sessionId, string turnId) => Path.Combine(SessionDirectory(sessionId), AnswerAudioKey.FileName(turnId) + Extension);

    private bool IsExpired(FileInfo file) => new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero) + _options.Retention <= _clock.GetUtcNow();

    private static long? FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null; // unknown: the write itself reports a full disk
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDeleteIfEmpty(string directory)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An answer was kept meanwhile: the directory stays.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} not kept: {Bytes} bytes would leave {FreeBytes} bytes free on the disk of {Directory}, less than Archive:AnswerAudio:MinFreeDiskBytes ({MinFreeBytes})")]
    private static partial void LogDiskLow(ILogger logger, string sessionId, string turnId, int bytes, long freeBytes, long minFreeBytes, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} could not be written under {Directory}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string sessionId, string turnId, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} at {Path} is unreadable ({Reason}); served as missing")]
    private static partial void LogUnreadable(ILogger logger, string sessionId, string turnId, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the answer audio of session {SessionId} ({Answers} answers)")]
    private static partial void LogSessionDeleted(ILogger logger, string sessionId, int answers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer audio retention deleted {Answers} answers kept longer than {Retention} under {Directory}")]
    private static partial void LogExpiredDeleted(ILogger logger, int answers, TimeSpan retention, string directory);
}
