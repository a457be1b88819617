using System.Data.Common;
using System.Text;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Archive;

/// <summary>
/// The queries both stores share (same tables, same keyset paging); each store supplies its connections, how it keeps
/// times, its full-text condition, and its own append, delete and schema migration.
/// </summary>
public abstract class RelationalTurnArchive : ITurnArchive, IAsyncDisposable
{
    /// <summary>The longest search text accepted.</summary>
    public const int MaxSearchLength = 1000;

    /// <summary>The most guilds a <see cref="SessionQuery.GuildIds"/> set may name.</summary>
    public const int MaxGuildIds = 1000;

    /// <summary>The turn columns in the order <see cref="ReadTurn"/> reads them.</summary>
    protected const string TurnColumns =
        "session_id, guild_id, turn_id, speaker_id, transcript, agent, route_reason, route_detail, response_text, interrupted, "
        + "error, timings, tool_calls, answer_audio_ref, committed_at, speech_started_at, source, answered_ahead";

    private readonly SemaphoreSlim _initializeLock = new(1, 1);
    private volatile bool _initialized;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initializeLock.WaitAsync(cancellationToken);
        try
        {
            if (!_initialized)
            {
                await MigrateAsync(cancellationToken);
                _initialized = true;
            }
        }
        finally
        {
            _initializeLock.Release();
        }
    }

    /// <summary>Brings the store's schema up to date; returns the versions it applied (empty when up to date).</summary>
    public abstract Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task<bool> AppendAsync(ArchivedTurn turn, CancellationToken cancellationToken) =>
        await AppendAllAsync([turn], cancellationToken) == 1;

    /// <inheritdoc />
    public abstract Task<int> AppendAllAsync(IReadOnlyList<ArchivedTurn> turns, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task<bool> MarkInterruptedAsync(string sessionId, string turnId, string heardText, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(turnId);
        ArgumentNullException.ThrowIfNull(heardText);
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();

        // One statement: the search index follows (PostgreSQL's generated column; SQLite's update trigger).
        command.CommandText = "UPDATE archive_turns SET interrupted = @interrupted, response_text = @response_text WHERE session_id = @session_id AND turn_id = @turn_id";
        AddParameter(command, "interrupted", true);
        AddParameter(command, "response_text", heardText);
        AddParameter(command, "session_id", sessionId);
        AddParameter(command, "turn_id", turnId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    public async Task<SessionSummary?> GetSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT session_id, guild_id, turn_count, first_activity_at, last_activity_at FROM archive_sessions WHERE session_id = @session_id";
        AddParameter(command, "session_id", sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadSession(reader) : null;
    }

    /// <inheritdoc />
    public async Task<ArchivePage<SessionSummary>> ListSessionsAsync(SessionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = ArchiveLimits.Resolve(query.Limit);
        var cursor = ArchiveCursor.Decode(query.Cursor, ArchiveCursor.Sessions, string.Empty);
        IReadOnlyList<string>? words = null;
        if (!string.IsNullOrWhiteSpace(query.Q))
        {
            if (query.Q.Length > MaxSearchLength)
            {
                throw new ArgumentException($"The search text is longer than {MaxSearchLength} characters.", nameof(query));
            }

            words = SearchText.Words(query.Q);
            if (words.Count == 0)
            {
                return new ArchivePage<SessionSummary>([], null); // only punctuation or operators: nothing can match
            }
        }

        if (query.GuildIds is { } guildSet)
        {
            if (guildSet.Count > MaxGuildIds)
            {
                throw new ArgumentException($"At most {MaxGuildIds} guilds can be listed at once.", nameof(query));
            }

            if (guildSet.Count == 0 || (query.GuildId is not null && !guildSet.Contains(query.GuildId)))
            {
                return new ArchivePage<SessionSummary>([], null); // no guild, or a guild outside the set: nothing to see
            }
        }

        await InitializeAsync(cancellationToken);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder("SELECT s.session_id, s.guild_id, s.turn_count, s.first_activity_at, s.last_activity_at FROM archive_sessions s WHERE 1 = 1");
        if (query.GuildId is not null)
        {
            sql.Append(" AND s.guild_id = @guild_id");
            AddParameter(command, "guild_id", query.GuildId);
        }

        if (query.GuildIds is { } guilds)
        {
            sql.Append(" AND s.guild_id IN (");
            var index = 0;
            foreach (var guild in guilds.Distinct(StringComparer.Ordinal))
            {
                var name = "guild_set_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                sql.Append(index++ == 0 ? "@" : ", @").Append(name);
                AddParameter(command, name, guild);
            }

            sql.Append(')');
        }

        if (cursor is not null)
        {
            sql.Append(" AND (s.last_activity_at, s.session_id) < (@cursor_at, @cursor_id)");
            AddParameter(command, "cursor_at", TimeValue(ArchiveTime.FromMicros(cursor.Micros)));
            AddParameter(command, "cursor_id", cursor.Id);
        }

        var turnFilter = new StringBuilder();
        if (query.SpeakerId is not null)
        {
            turnFilter.Append(" AND t.speaker_id = @speaker_id");
            AddParameter(command, "speaker_id", query.SpeakerId);
        }

        if (query.Agent is not null)
        {
            turnFilter.Append(" AND t.agent = @agent");
            AddParameter(command, "agent", query.Agent);
        }

        if (query.Since is { } since)
        {
            sql.Append(" AND s.last_activity_at >= @since");
            turnFilter.Append(" AND t.committed_at >= @since");
            AddParameter(command, "since", TimeValue(since));
        }

        if (query.Until is { } until)
        {
            sql.Append(" AND s.first_activity_at < @until");
            turnFilter.Append(" AND t.committed_at < @until");
            AddParameter(command, "until", TimeValue(until));
        }

        if (words is not null)
        {
            turnFilter.Append(" AND ").Append(SearchCondition("t", "@q"));
            AddParameter(command, "q", SearchValue(query.Q!, words));
        }

        if (turnFilter.Length > 0)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM archive_turns t WHERE t.session_id = s.session_id").Append(turnFilter).Append(')');
        }

        sql.Append(" ORDER BY s.last_activity_at DESC, s.session_id DESC LIMIT @take");
        AddParameter(command, "take", limit + 1);
        command.CommandText = sql.ToString();

        var items = new List<SessionSummary>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadSession(reader));
            }
        }

        if (items.Count <= limit)
        {
            return new ArchivePage<SessionSummary>(items, null);
        }

        items.RemoveAt(limit);
        var last = items[^1];
        var next = new ArchiveCursor(ArchiveCursor.Sessions, ArchiveTime.ToMicros(last.LastActivityAt), last.SessionId, string.Empty);
        return new ArchivePage<SessionSummary>(items, next.Encode());
    }

    /// <inheritdoc />
    public async Task<ArchivePage<ArchivedTurn>> GetTurnsAsync(string sessionId, TurnQuery query, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentNullException.ThrowIfNull(query);
        var limit = ArchiveLimits.Resolve(query.Limit);
        var kind = ArchiveCursor.KindOf(query.Order);
        var cursor = ArchiveCursor.Decode(query.Cursor, kind, sessionId);
        var newestFirst = query.Order == TurnOrder.NewestFirst;

        await InitializeAsync(cancellationToken);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder($"SELECT {TurnColumns} FROM archive_turns WHERE session_id = @session_id");
        AddParameter(command, "session_id", sessionId);
        if (query.Since is { } since)
        {
            sql.Append(" AND committed_at >= @since");
            AddParameter(command, "since", TimeValue(since));
        }

        if (query.After is { } after)
        {
            sql.Append(" AND (committed_at, turn_id) > (@after_at, @after_id)");
            AddParameter(command, "after_at", TimeValue(after.CommittedAt));
            AddParameter(command, "after_id", after.TurnId);
        }

        if (cursor is not null)
        {
            sql.Append(newestFirst ? " AND (committed_at, turn_id) < (@cursor_at, @cursor_id)" : " AND (committed_at, turn_id) > (@cursor_at, @cursor_id)");
            AddParameter(command, "cursor_at", TimeValue(ArchiveTime.FromMicros(cursor.Micros)));
            AddParameter(command, "cursor_id", cursor.Id);
        }

        sql.Append(newestFirst ? " ORDER BY committed_at DESC, turn_id DESC" : " ORDER BY committed_at, turn_id").Append(" LIMIT @take");
        AddParameter(command, "take", limit + 1);
        command.CommandText = sql.ToString();

        var items = new List<ArchivedTurn>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadTurn(reader));
            }
        }

        if (items.Count <= limit)
        {
            return new ArchivePage<ArchivedTurn>(items, null);
        }

        items.RemoveAt(limit);
        var last = items[^1];
        var next = new ArchiveCursor(kind, ArchiveTime.ToMicros(last.CommittedAt), last.TurnId, sessionId);
        return new ArchivePage<ArchivedTurn>(items, next.Encode());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync();
        _initializeLock.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the store's connections.</summary>
    protected abstract ValueTask DisposeCoreAsync();

    /// <summary>An open connection to the store.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A time as the store's parameter value.</summary>
    protected abstract object TimeValue(DateTimeOffset value);

    /// <summary>A time column as the store keeps it.</summary>
    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>The condition that a turn (alias <paramref name="alias"/>) contains the words of parameter <paramref name="parameter"/>.</summary>
    protected abstract string SearchCondition(string alias, string parameter);

    /// <summary>The value of the search parameter for the user's text and its words.</summary>
    protected abstract string SearchValue(string q, IReadOnlyList<string> words);

    /// <summary>Checks a turn before it is appended and returns it with its times as the archive keeps them.</summary>
    protected static ArchivedTurn Validate(ArchivedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentException.ThrowIfNullOrEmpty(turn.SessionId, nameof(turn));
        ArgumentException.ThrowIfNullOrEmpty(turn.TurnId, nameof(turn));
        ArgumentNullException.ThrowIfNull(turn.SpeakerId, nameof(turn));
        ArgumentNullException.ThrowIfNull(turn.Transcript, nameof(turn));
        ArgumentNullException.ThrowIfNull(turn.Agent, nameof(turn));
        ArgumentNullException.ThrowIfNull(turn.ResponseText, nameof(turn));
        ArgumentNullException.ThrowIfNull(turn.Source, nameof(turn));
        return turn with
        {
            CommittedAt = ArchiveTime.Normalize(turn.CommittedAt),
            SpeechStartedAt = turn.SpeechStartedAt is { } started ? ArchiveTime.Normalize(started) : null,
        };
    }

    /// <summary>Binds the turn's columns as <c>@session_id</c>, <c>@guild_id</c>, ... (JSON columns as text).</summary>
    protected void AddTurnParameters(DbCommand command, ArchivedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(command);
        BindTurn(turn, (name, value) => AddParameter(command, name, value));
    }

    /// <summary>Binds the turn's columns to one command of a batch, as <see cref="AddTurnParameters(DbCommand, ArchivedTurn)"/> does.</summary>
    protected void AddTurnParameters(DbBatchCommand command, ArchivedTurn turn)
    {
        ArgumentNullException.ThrowIfNull(command);
        BindTurn(turn, (name, value) =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        });
    }

    private void BindTurn(ArchivedTurn turn, Action<string, object?> add)
    {
        ArgumentNullException.ThrowIfNull(turn);
        add("session_id", turn.SessionId);
        add("guild_id", turn.GuildId);
        add("turn_id", turn.TurnId);
        add("speaker_id", turn.SpeakerId);
        add("transcript", turn.Transcript);
        add("agent", turn.Agent);
        add("route_reason", turn.Route?.Reason);
        add("route_detail", turn.Route?.Detail);
        add("response_text", turn.ResponseText);
        add("interrupted", turn.Interrupted);
        add("error", turn.Error);
        add("timings", ArchiveJson.Serialize(turn.Timings));
        add("tool_calls", ArchiveJson.Serialize(turn.ToolCalls));
        add("answer_audio_ref", turn.AnswerAudioRef);
        add("committed_at", TimeValue(turn.CommittedAt));
        add("speech_started_at", turn.SpeechStartedAt is { } started ? TimeValue(started) : null);
        add("source", turn.Source);
        add("answered_ahead", turn.AnsweredAhead);
    }

    /// <summary>The parameter names of <see cref="TurnColumns"/>, for an INSERT.</summary>
    protected static string TurnParameters => string.Join(", ", TurnColumns.Split(", ").Select(c => "@" + c));

    /// <summary>Adds a parameter (null as <see cref="DBNull"/>).</summary>
    protected static void AddParameter(DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>A session row read as <c>session_id, guild_id, turn_count, first_activity_at, last_activity_at</c>.</summary>
    private SessionSummary ReadSession(DbDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetInt64(2),
        ReadTime(reader, 3),
        ReadTime(reader, 4));

    private ArchivedTurn ReadTurn(DbDataReader reader)
    {
        string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        var routeReason = Text(6);
        return new ArchivedTurn(
            SessionId: reader.GetString(0),
            GuildId: Text(1),
            TurnId: reader.GetString(2),
            SpeakerId: reader.GetString(3),
            Transcript: reader.GetString(4),
            Agent: reader.GetString(5),
            Route: routeReason is null ? null : new TurnRoute(routeReason, Text(7)),
            ResponseText: reader.GetString(8),
            Interrupted: reader.GetBoolean(9),
            Error: Text(10),
            Timings: ArchiveJson.ReadTimings(Text(11)),
            ToolCalls: ArchiveJson.ReadToolCalls(Text(12)),
            AnswerAudioRef: Text(13),
            CommittedAt: ReadTime(reader, 14),
            SpeechStartedAt: reader.IsDBNull(15) ? null : ReadTime(reader, 15),
            Source: reader.GetString(16),
            AnsweredAhead: reader.GetBoolean(17));
    }
}
