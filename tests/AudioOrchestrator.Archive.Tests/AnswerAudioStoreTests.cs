using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Archive.Tests;

/// <summary>The answer-audio contract against the directory store (the embedded default), in a temporary directory.</summary>
public sealed class DirectoryAnswerAudioStoreTests : AnswerAudioStoreContractTests
{
    private readonly string _parent = Path.Combine(Path.GetTempPath(), "ao-answer-audio-tests", Guid.NewGuid().ToString("N"));

    private string Root => Path.Combine(_parent, "archive-answer-audio");

    protected override Task<IAnswerAudioStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IAnswerAudioStore>(new DirectoryAnswerAudioStore(Root, Options, Clock, Logs.For<DirectoryAnswerAudioStore>()));

    protected override Task<long> CountStoredAsync(string? sessionId)
    {
        // Every file anywhere under the parent: nothing may be written outside the root either.
        if (!Directory.Exists(_parent))
        {
            return Task.FromResult(0L);
        }

        var files = Directory.EnumerateFiles(_parent, "*", SearchOption.AllDirectories);
        if (sessionId is not null)
        {
            var directory = Path.Combine(Root, AnswerAudioKey.FileName(sessionId));
            files = files.Where(f => Path.GetDirectoryName(f) == directory);
        }

        return Task.FromResult(files.LongCount());
    }

    protected override Task DamageAsync(string sessionId, string turnId, byte[] bytes)
    {
        var path = Path.Combine(Root, AnswerAudioKey.FileName(sessionId), AnswerAudioKey.FileName(turnId) + ".wav");
        var kept = File.GetLastWriteTimeUtc(path);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, kept);
        return Task.CompletedTask;
    }

    protected override Task DisposeStoreAsync()
    {
        if (Directory.Exists(_parent))
        {
            Directory.Delete(_parent, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Answers_are_files_named_by_session_and_turn_and_other_ids_get_a_hashed_name_inside_the_root()
    {
        await Store.KeepAsync("rest-7f3a", "0199c3d2e0b1", Wav(10), Ct);
        await Store.KeepAsync("..", "Turn:1", Wav(10), Ct);

        Assert.True(File.Exists(Path.Combine(Root, "rest-7f3a", "0199c3d2e0b1.wav")));
        var hashed = Assert.Single(Directory.GetDirectories(Root), d => Path.GetFileName(d).StartsWith('~'));
        var file = Assert.Single(Directory.GetFiles(hashed));
        Assert.Matches("^~[0-9a-f]{40}\\.wav$", Path.GetFileName(file));
        Assert.Equal(2, await CountStoredAsync(null)); // nothing outside the root
    }

    [Fact]
    public async Task Deleting_expired_answers_removes_emptied_session_directories_and_leftover_temporary_files()
    {
        await Store.KeepAsync("s1", "t1", Wav(10), Ct);
        var leftover = Path.Combine(Root, "s1", ".0123.tmp");
        await File.WriteAllBytesAsync(leftover, [1, 2, 3], Ct);
        File.SetLastWriteTimeUtc(leftover, Clock.GetUtcNow().UtcDateTime);

        Clock.Advance(Retention);
        Assert.Equal(1, await Store.DeleteExpiredAsync(Ct));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Root));
    }

    [Fact]
    public async Task An_answer_that_would_leave_too_little_free_disk_is_refused_and_logged()
    {
        var store = new DirectoryAnswerAudioStore(
            Root,
            new AnswerAudioOptions { Retention = Retention, MinFreeDiskBytes = long.MaxValue / 2 },
            Clock,
            Logs.For<DirectoryAnswerAudioStore>());

        Assert.False(await store.KeepAsync("s1", "t1", Wav(10), Ct));

        Assert.Equal(0, await CountStoredAsync(null));
        Assert.Contains(Logs.Lines, l => l.Contains("Archive:AnswerAudio:MinFreeDiskBytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_answer_file_that_is_not_readable_as_a_file_reads_as_missing()
    {
        Directory.CreateDirectory(Path.Combine(Root, "s1", "t1.wav")); // a directory where the file should be
        Assert.Null(await Store.FindAsync("s1", "t1", Ct));
        Assert.Empty(await Store.FindKeptAsync("s1", ["t1"], Ct));
    }

    [Fact]
    public void The_default_directory_is_beside_the_archive_file_and_named_after_it()
    {
        var archive = new TurnArchiveOptions { SqlitePath = Path.Combine(_parent, "data", "archive.db") };
        Assert.Equal(Path.Combine(_parent, "data", "archive-answer-audio"), new AnswerAudioOptions().ResolvedDirectory(archive));
        Assert.Equal(Path.Combine(_parent, "elsewhere"), new AnswerAudioOptions { Directory = Path.Combine(_parent, "elsewhere") }.ResolvedDirectory(archive));
    }
}

/// <summary>The answer-audio contract against the PostgreSQL store, in a fresh archive database per test.</summary>
public sealed class PostgresAnswerAudioStoreTests : AnswerAudioStoreContractTests
{
    private PostgresTestDatabase? _database;
    private PostgresTurnArchive? _archive;

    private PostgresTestDatabase Database => _database ?? throw new InvalidOperationException("No database yet.");

    protected override async Task<IAnswerAudioStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _database = await PostgresTestDatabase.CreateAsync(cancellationToken, pooling: true);
        _archive = PostgresTurnArchive.Create(_database.ConnectionString, NullLogger<PostgresTurnArchive>.Instance);
        await _archive.InitializeAsync(cancellationToken); // as at start-up (Archive:MigrateOnStart)
        return new PostgresAnswerAudioStore(_archive.DataSource, _archive, Options, Clock, Logs.For<PostgresAnswerAudioStore>());
    }

    protected override async Task<long> CountStoredAsync(string? sessionId) => sessionId is null
        ? await Database.ScalarAsync<long>("SELECT count(*) FROM archive_answer_audio")
        : await Database.ScalarAsync<long>("SELECT count(*) FROM archive_answer_audio WHERE session_id = @v", ("v", sessionId));

    protected override async Task DamageAsync(string sessionId, string turnId, byte[] bytes) =>
        await Database.ScalarAsync<int>(
            "UPDATE archive_answer_audio SET audio = @a WHERE session_id = @s AND turn_id = @t", ("a", bytes), ("s", sessionId), ("t", turnId));

    protected override async Task DisposeStoreAsync()
    {
        if (_archive is not null)
        {
            await _archive.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_table_comes_with_the_archive_schema_as_version_3()
    {
        await Store.FindAsync("s1", "t1", Ct);
        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM archive_schema_version WHERE version = 3"));
        Assert.True(PostgresTurnArchive.RequiredVersion >= 3);
    }
}
