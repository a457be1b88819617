using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>
/// Answer audio in the archive's PostgreSQL database (table <c>archive_answer_audio</c>, created by the archive's schema
/// migration version 3), so every node of a cluster serves every answer. Retention is measured from <c>kept_at</c>.
/// </summary>
public sealed partial class PostgresAnswerAudioStore : IAnswerAudioStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ITurnArchive _schema;
    private readonly AnswerAudioOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<PostgresAnswerAudioStore> _logger;

    /// <summary>A store over <paramref name="dataSource"/>; <paramref name="schema"/> is the archive whose migration creates the table.</summary>
    public PostgresAnswerAudioStore(NpgsqlDataSource dataSource, ITurnArchive schema, AnswerAudioOptions options, TimeProvider clock, ILogger<PostgresAnswerAudioStore> logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        _dataSource = dataSource;
        _schema = schema;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<bool> KeepAsync(string sessionId, string turnId, ReadOnlyMemory<byte> wav, CancellationToken cancellationToken)
    {
        AnswerAudioKey.Validate(sessionId, turnId);
        if (!AnswerAudioAdmission.Admit(_logger, _options, sessionId, turnId, wav.Span))
        {
            return false;
        }

        try
        {
            await _schema.InitializeAsync(cancellationToken);
            await using var command = _dataSource.CreateCommand(
                """
                INSERT INTO archive_answer_audio (session_id, turn_id, kept_at, audio) VALUES (@session_id, @turn_id, @kept_at, @audio)
                ON CONFLICT (session_id, turn_id) DO UPDATE SET kept_at = excluded.kept_at, audio = excluded.audio
                """);
            command.Parameters.AddWithValue("session_id", sessionId);
            command.Parameters.AddWithValue("turn_id", turnId);
            command.Parameters.AddWithValue("kept_at", _clock.GetUtcNow());
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("audio", NpgsqlDbType.Bytea) { TypedValue = wav });
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            LogWriteFailed(_logger, ex, sessionId, turnId);
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> FindAsync(string sessionId, string turnId, CancellationToken cancellationToken)
    {
        AnswerAudioKey.Validate(sessionId, turnId);
        await _schema.InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            "SELECT audio FROM archive_answer_audio WHERE session_id = @session_id AND turn_id = @turn_id AND kept_at > @cutoff");
        command.Parameters.AddWithValue("session_id", sessionId);
        command.Parameters.AddWithValue("turn_id", turnId);
        command.Parameters.AddWithValue("cutoff", Cutoff());
        if (await command.ExecuteScalarAsync(cancellationToken) is not byte[] audio)
        {
            return null;
        }

        if (!WavHeader.IsWhole(audio))
        {
            LogUnreadable(_logger, sessionId, turnId);
            return null;
        }

        return audio;
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<string>> FindKeptAsync(string sessionId, IReadOnlyCollection<string> turnIds, CancellationToken cancellationToken)
    {
        AnswerAudioKey.ValidateSession(sessionId);
        ArgumentNullException.ThrowIfNull(turnIds);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        if (turnIds.Count == 0)
        {
            return kept;
        }

        foreach (var turnId in turnIds)
        {
            AnswerAudioKey.Validate(sessionId, turnId);
        }

        await _schema.InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            "SELECT turn_id FROM archive_answer_audio WHERE session_id = @session_id AND turn_id = ANY(@turn_ids) AND kept_at > @cutoff");
        command.Parameters.AddWithValue("session_id", sessionId);
        command.Parameters.AddWithValue("turn_ids", turnIds.ToArray());
        command.Parameters.AddWithValue("cutoff", Cutoff());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            kept.Add(reader.GetString(0));
        }

        return kept;
    }

    /// <inheritdoc />
    public async Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        AnswerAudioKey.ValidateSession(sessionId);
        await _schema.InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("DELETE FROM archive_answer_audio WHERE session_id = @session_id");
        command.Parameters.AddWithValue("session_id", sessionId);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        LogSessionDeleted(_logger, sessionId, deleted);
        return deleted;
    }

    /// <inheritdoc />
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        await _schema.InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("DELETE FROM archive_answer_audio WHERE kept_at <= @cutoff");
        command.Parameters.AddWithValue("cutoff", Cutoff());
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        if (deleted > 0)
        {
            LogExpiredDeleted(_logger, deleted, _options.Retention);
        }

        return deleted;
    }

    private DateTimeOffset Cutoff() => _clock.GetUtcNow() - _options.Retention;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} could not be written to the archive database")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer audio of turn {TurnId} of session {SessionId} in the archive database is not a whole WAV file; served as missing")]
    private static partial void LogUnreadable(ILogger logger, string sessionId, string turnId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the answer audio of session {SessionId} ({Answers} answers)")]
    private static partial void LogSessionDeleted(ILogger logger, string sessionId, int answers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer audio retention deleted {Answers} answers kept longer than {Retention}")]
    private static partial void LogExpiredDeleted(ILogger logger, int answers, TimeSpan retention);
}
