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

    public async ValueTask DisposeAsync()
    {
        await _archive.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
