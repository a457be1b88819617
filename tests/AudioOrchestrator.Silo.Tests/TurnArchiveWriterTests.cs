using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Silo.Archive;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>The background writer between sessions and the archive, on a real SQLite file.</summary>
public sealed class TurnArchiveWriterTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "ao-writer-" + Guid.NewGuid().ToString("N")[..12] + ".db");
    private readonly SqliteTurnArchive _archive;
    private readonly TurnArchiveWriter _writer;

    public TurnArchiveWriterTests()
    {
        _archive = new SqliteTurnArchive(_path, NullLogger<SqliteTurnArchive>.Instance);
        _writer = new TurnArchiveWriter(_archive, NullLogger<TurnArchiveWriter>.Instance);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConversationTurn Turn(int n) =>
        new($"turn-{n}", "ana", $"echo {n}", "echo", n.ToString(System.Globalization.CultureInfo.InvariantCulture), T0.AddSeconds(n), T0.AddSeconds(n).AddMilliseconds(500));

    [Fact]
    public async Task Turns_queued_before_a_delete_are_not_left_behind_and_turns_after_it_are_kept()
    {
        await _writer.StartAsync(Ct);
        for (var i = 0; i < 50; i++)
        {
            _writer.Committed("s1", "42", Turn(i));
        }

        await _writer.ForgetAsync("s1", Ct); // without waiting for the appends: the delete comes after them in the queue
        _writer.Committed("s1", "42", Turn(100));
        await _writer.ForgetAsync("other", Ct); // a marker: everything before it has been written

        var page = await _archive.GetTurnsAsync("s1", new TurnQuery(), Ct);
        var turn = Assert.Single(page.Items);
        Assert.Equal(("turn-100", "42", "100"), (turn.TurnId, turn.GuildId, turn.ResponseText));
    }

    [Fact]
    public async Task Turns_waiting_together_are_written_together_and_one_bad_turn_loses_only_itself()
    {
        using var meters = new MeterCollector(TurnArchiveWriter.WriteDelayInstrument);
        var writer = new TurnArchiveWriter(_archive, NullLogger<TurnArchiveWriter>.Instance, meterFactory: meters.Factory);

        // Queued before the writer runs: they wait together, so they are written in transactions of up to MaxBatch.
        for (var i = 0; i < 600; i++)
        {
            writer.Committed("s5", null, i == 300 ? Turn(i) with { Transcript = null! } : Turn(i));
        }

        writer.Committed("s6", "7", Turn(1));
        await writer.StartAsync(Ct);
        await writer.FlushAsync(Ct);

        var turns = (await _archive.GetTurnsAsync("s5", new TurnQuery(Limit: 200), Ct)).Items;
        var all = new List<ArchivedTurn>(turns);
        for (var page = await _archive.GetTurnsAsync("s5", new TurnQuery(Limit: 200), Ct); page.NextCursor is { } cursor;)
        {
            page = await _archive.GetTurnsAsync("s5", new TurnQuery(Limit: 200, Cursor: cursor), Ct);
            all.AddRange(page.Items);
        }

        Assert.Equal(Enumerable.Range(0, 600).Where(i => i != 300).Select(i => $"turn-{i}"), all.Select(t => t.TurnId));
        Assert.Equal(599, (await _archive.GetSessionAsync("s5", Ct))!.TurnCount);
        Assert.Equal("7", (await _archive.GetSessionAsync("s6", Ct))!.GuildId);
        Assert.Equal(600, meters.Values.Count); // every written turn's wait is measured (599 + s6)
        await writer.StopAsync(Ct);
    }

    [Fact]
    public async Task What_is_queued_when_the_host_stops_is_still_written()
    {
        await _writer.StartAsync(Ct);
        for (var i = 0; i < 20; i++)
        {
            _writer.Committed("s2", null, Turn(i));
        }

        await _writer.StopAsync(Ct);

        Assert.Equal(20, (await _archive.GetTurnsAsync("s2", new TurnQuery(Limit: 100), Ct)).Items.Count);
        await _writer.ForgetAsync("s2", Ct); // after the stop: straight to the archive
        Assert.Empty((await _archive.GetTurnsAsync("s2", new TurnQuery(), Ct)).Items);
    }

    [Fact]
    public async Task A_host_that_stops_waiting_for_a_stalled_archive_still_stops_cleanly()
    {
        var stalled = new StalledArchive(_archive);
        var writer = new TurnArchiveWriter(stalled, NullLogger<TurnArchiveWriter>.Instance);
        await writer.StartAsync(Ct);
        writer.Committed("s3", null, Turn(1));
        await stalled.Entered.Task.WaitAsync(Ct);

        using var shutdown = new CancellationTokenSource();
        await shutdown.CancelAsync(); // the host's shutdown timeout is up
        await writer.StopAsync(shutdown.Token); // returns: a hosted service that throws here crashes the process

        stalled.Release.SetResult();
        await writer.FlushAsync(Ct); // the writer stopped: returns at once
    }

    [Fact]
    public async Task An_interruption_is_applied_after_its_turn_and_before_a_later_delete()
    {
        await _writer.StartAsync(Ct);
        _writer.Committed("s3", null, Turn(1) with { ResponseText = "a long answer about otters" });
        _writer.Interrupted("s3", "turn-1", "a long"); // queued right behind its turn, without waiting
        _writer.Committed("s3", null, Turn(2));
        _writer.Interrupted("s3", "turn-99", "never archived"); // logged, and the queue goes on
        await _writer.FlushAsync(Ct);

        var turns = (await _archive.GetTurnsAsync("s3", new TurnQuery(), Ct)).Items;
        Assert.Equal([("turn-1", true, "a long"), ("turn-2", false, "2")], turns.Select(t => (t.TurnId, t.Interrupted, t.ResponseText)));
        Assert.Empty((await _archive.ListSessionsAsync(new SessionQuery(Q: "otters"), Ct)).Items);

        _writer.Committed("s4", null, Turn(1));
        _writer.Interrupted("s4", "turn-1", "heard");
        await _writer.ForgetAsync("s4", Ct);
        Assert.Null(await _archive.GetSessionAsync("s4", Ct));
    }

    [Fact]
    public async Task A_flush_returns_when_everything_handed_over_before_it_is_archived()
    {
        await _writer.StartAsync(Ct);
        for (var i = 0; i < 30; i++)
        {
            _writer.Committed("s5", "7", Turn(i));
        }

        await _writer.FlushAsync(Ct);

        Assert.Equal(30, (await _archive.GetSessionAsync("s5", Ct))!.TurnCount);
        await _writer.StopAsync(Ct);
        await _writer.FlushAsync(Ct); // stopped: nothing is queued, nothing to wait for
    }

    public async ValueTask DisposeAsync()
    {
        await _archive.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }

    /// <summary>An archive whose writes wait until released (a database that stopped answering).</summary>
    private sealed class StalledArchive(ITurnArchive inner) : ITurnArchive
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public async Task<bool> AppendAsync(ArchivedTurn turn, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            return await inner.AppendAsync(turn, cancellationToken);
        }

        public async Task<int> AppendAllAsync(IReadOnlyList<ArchivedTurn> turns, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            return await inner.AppendAllAsync(turns, cancellationToken);
        }

        public Task<ArchivePage<SessionSummary>> ListSessionsAsync(SessionQuery query, CancellationToken cancellationToken) => inner.ListSessionsAsync(query, cancellationToken);

        public Task<ArchivePage<ArchivedTurn>> GetTurnsAsync(string sessionId, TurnQuery query, CancellationToken cancellationToken) => inner.GetTurnsAsync(sessionId, query, cancellationToken);

        public Task<bool> MarkInterruptedAsync(string sessionId, string turnId, string heardText, CancellationToken cancellationToken) =>
            inner.MarkInterruptedAsync(sessionId, turnId, heardText, cancellationToken);

        public Task<SessionSummary?> GetSessionAsync(string sessionId, CancellationToken cancellationToken) => inner.GetSessionAsync(sessionId, cancellationToken);

        public Task<int> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken) => inner.DeleteSessionAsync(sessionId, cancellationToken);

        public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => inner.DeleteOlderThanAsync(cutoff, cancellationToken);
    }
}
