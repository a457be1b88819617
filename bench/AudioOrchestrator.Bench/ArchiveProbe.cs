using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Silo.Archive;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AudioOrchestrator.Bench;

/// <summary>
/// The turn archive's figures: appends paced like a busy cluster (one after the other, as the silo's writer does them),
/// and filtered, searched session listings over a large PostgreSQL archive.
/// </summary>
public static class ArchiveProbe
{
    /// <summary>The prefix of the seeded sessions' ids (a new one when the seed changes, so an older seed is replaced).</summary>
    private const string SeedPrefix = "seed2-";

    /// <summary>The words the seeded turns are made of (the search terms come from them).</summary>
    private static readonly string[] Words =
    [
        "weather", "forecast", "rain", "sunny", "music", "play", "pause", "volume", "timer", "minutes", "reminder", "meeting",
        "tomorrow", "morning", "evening", "dinner", "recipe", "pasta", "chicken", "coffee", "news", "sports", "football", "score",
        "traffic", "route", "airport", "flight", "hotel", "booking", "calendar", "birthday", "gift", "shopping", "list", "milk",
        "bread", "apples", "translate", "french", "spanish", "german", "capital", "france", "paris", "population", "history",
        "science", "planet", "mars", "moon", "distance", "recommend", "movie", "series", "episode", "podcast", "joke", "story",
        "summary", "email", "message", "call", "mother", "office", "project", "deadline", "report", "budget", "invoice", "price",
        "stock", "market", "bitcoin", "exchange", "dollar", "euro", "convert", "kilometres", "miles", "temperature", "celsius",
        "fahrenheit", "alarm", "wake", "sleep", "lights", "kitchen", "garage", "door", "lock", "camera", "garden", "water",
        "plants", "battery", "charge", "phone", "laptop", "update", "password", "wifi", "router", "printer", "echo", "hello",
        "world", "goodbye", "thanks", "please", "question", "answer", "dragon", "wizard", "quest", "dungeon", "sword", "castle",
    ];

    /// <summary>
    /// Hands <paramref name="count"/> turns at <paramref name="turnsPerSecond"/> to the silo's writer
    /// (<see cref="TurnArchiveWriter"/>, as sessions do when they commit turns) over <paramref name="archive"/>, and returns
    /// each turn's wait from being handed over to being written (the writer's own histogram).
    /// </summary>
    public static async Task<List<double>> AppendAtRateAsync(ITurnArchive archive, int turnsPerSecond, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        await archive.InitializeAsync(cancellationToken);
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        var waits = new ConcurrentQueue<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == TurnArchiveWriter.WriteDelayInstrument && instrument.Meter.Scope == factory)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => waits.Enqueue(value));
        listener.Start();

        var writer = new TurnArchiveWriter(archive, NullLogger<TurnArchiveWriter>.Instance, meterFactory: factory);
        await writer.StartAsync(cancellationToken);
        var run = Guid.NewGuid().ToString("N")[..8];
        var interval = TimeSpan.FromSeconds(1.0 / turnsPerSecond);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = interval * i - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            var at = DateTimeOffset.UtcNow;
            writer.Committed($"bench-{run}-{i % 50}", i % 7 == 0 ? null : "1000" + (i % 5), new ConversationTurn(
                $"t{i}", "speaker-" + (i % 9), $"{Words[i % Words.Length]} {Words[(i * 7) % Words.Length]} please", "echo",
                $"{Words[(i * 3) % Words.Length]} {Words[(i * 11) % Words.Length]}", at.AddSeconds(-2), at,
                Timings: new TurnTimings(120, 3, 40, 180, 1500, 500), Route: new TurnRoute(TurnRoute.Phrase, "echo")));
        }

        await writer.StopAsync(cancellationToken); // drains the queue
        return [.. waits];
    }

    /// <summary>
    /// Fills the benchmark database with <paramref name="sessions"/> sessions of <paramref name="turnsPerSession"/> turns
    /// (in PostgreSQL itself, from generate_series) unless it already holds them; returns the seconds it took.
    /// </summary>
    public static async Task<double> SeedPostgresAsync(NpgsqlDataSource dataSource, ITurnArchive archive, int sessions, int turnsPerSession, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(archive);
        await archive.InitializeAsync(cancellationToken);
        var expected = (long)sessions * turnsPerSession;
        await using (var count = dataSource.CreateCommand($"SELECT count(*) FROM archive_turns WHERE session_id LIKE '{SeedPrefix}%'"))
        {
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! == expected)
            {
                return 0;
            }
        }

        var started = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        async Task Run(string sql, params (string Name, object Value)[] parameters)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await Run("DELETE FROM archive_turns WHERE session_id LIKE 'seed%'"); // this seed's rows, or an older seed's
        await Run("DELETE FROM archive_sessions WHERE session_id LIKE 'seed%'");

        // Session s has turns 0..n-1, one a minute from a start that depends on s; 1 session in 5 is a REST one,
        // the others are spread over 200 guilds. Four people speak in a session, and a person speaks in the sessions of
        // a few guilds (2,000 speakers, each in 20 sessions), as Discord users do; 4 agents. Transcripts and answers
        // are 6 and 10 words drawn from the vocabulary by a hash of the turn, so every word is in a share of the turns.
        await Run(
            """
            INSERT INTO archive_turns (session_id, turn_id, guild_id, speaker_id, transcript, agent, route_reason, response_text,
                                       interrupted, source, answered_ahead, speech_started_at, committed_at)
            SELECT @prefix || s, 'turn-' || t,
                   CASE WHEN s % 5 = 0 THEN NULL ELSE (900000 + s % 200)::text END,
                   'user-' || ((s % 500) * 4 + t % 4),
                   (SELECT string_agg(@words[1 + abs(hashint4(s * 1000 + t * 10 + w)::bigint) % @wordCount], ' ') FROM generate_series(1, 6) w),
                   (ARRAY['echo', 'time', 'assistant', 'weather'])[1 + (s + t) % 4], 'phrase',
                   (SELECT string_agg(@words[1 + abs(hashint4(s * 1000 + t * 10 + w + 7)::bigint) % @wordCount], ' ') FROM generate_series(1, 10) w),
                   t % 50 = 49, 'voice', false,
                   timestamptz '2026-01-01' + s * interval '37 minutes' + t * interval '1 minute',
                   timestamptz '2026-01-01' + s * interval '37 minutes' + t * interval '1 minute' + interval '2 seconds'
            FROM generate_series(0, @sessions - 1) s, generate_series(0, @turns - 1) t
            """,
            ("prefix", SeedPrefix), ("words", Words), ("wordCount", Words.Length), ("sessions", sessions), ("turns", turnsPerSession));
        await Run(
            """
            INSERT INTO archive_sessions (session_id, guild_id, turn_count, first_activity_at, last_activity_at)
            SELECT session_id, min(guild_id), count(*), min(committed_at), max(committed_at)
            FROM archive_turns WHERE session_id LIKE @prefix || '%' GROUP BY session_id
            """,
            ("prefix", SeedPrefix));
        await transaction.CommitAsync(cancellationToken);
        // As autovacuum would soon after such a load: statistics, and the visibility map index-only probes rely on.
        foreach (var table in new[] { "archive_turns", "archive_sessions" })
        {
            await using var vacuum = new NpgsqlCommand($"VACUUM ANALYZE {table}", connection) { CommandTimeout = 0 };
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// Lists sessions the way clients do (a filter and a search together, then the next page by cursor), rotating
    /// through guilds, speakers, agents, time ranges and search words; returns each page's time in milliseconds.
    /// </summary>
    public static async Task<List<(string Kind, double Ms)>> QuerySessionsAsync(ITurnArchive archive, int queries, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var times = new List<(string Kind, double Ms)>(queries);
        string[] kinds = ["guild_q", "speaker_q", "agent_q", "range_q", "two_words"];
        var random = new Random(seed);
        for (var i = 0; i < queries; i++)
        {
            var word = Words[random.Next(Words.Length)];
            var second = Words[random.Next(Words.Length)];
            var query = (i % 5) switch
            {
                0 => new SessionQuery(GuildId: (900000 + random.Next(1, 200)).ToString(System.Globalization.CultureInfo.InvariantCulture), Q: word),
                1 => new SessionQuery(SpeakerId: "user-" + random.Next(2000), Q: word),
                2 => new SessionQuery(Agent: "weather", Q: word, Limit: 20),
                3 => new SessionQuery(Since: new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddDays(random.Next(60)), Until: new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), Q: word),
                _ => new SessionQuery(Q: $"{word} {second}", Limit: 100),
            };

            var before = Stopwatch.GetTimestamp();
            var page = await archive.ListSessionsAsync(query, cancellationToken);
            times.Add((kinds[i % 5], Stopwatch.GetElapsedTime(before).TotalMilliseconds));
            if (page.NextCursor is { } cursor)
            {
                before = Stopwatch.GetTimestamp();
                await archive.ListSessionsAsync(query with { Cursor = cursor }, cancellationToken);
                times.Add((kinds[i % 5], Stopwatch.GetElapsedTime(before).TotalMilliseconds));
            }
        }

        return times;
    }
}
