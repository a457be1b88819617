using System.Buffers.Binary;
using System.Collections.Concurrent;
using AudioOrchestrator.Archive.AnswerAudio;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Archive.Tests;

/// <summary>
/// What every <see cref="IAnswerAudioStore"/> must do, run against each of them. Time is a <see cref="FakeTimeProvider"/>;
/// nothing is timed.
/// </summary>
public abstract class AnswerAudioStoreContractTests : IAsyncLifetime
{
    protected static readonly TimeSpan Retention = TimeSpan.FromHours(2);

    private IAnswerAudioStore? _store;

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    protected AnswerAudioOptions Options { get; } = new() { Retention = Retention, MaxBytes = 64 * 1024, MinFreeDiskBytes = 0 };

    protected ListLogger Logs { get; } = new();

    protected IAnswerAudioStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _store = await CreateStoreAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    protected abstract Task<IAnswerAudioStore> CreateStoreAsync(CancellationToken cancellationToken);

    /// <summary>Answers (files or rows) left in the store for the session; every one when null.</summary>
    protected abstract Task<long> CountStoredAsync(string? sessionId);

    /// <summary>Overwrites the kept bytes of a turn behind the store's back.</summary>
    protected abstract Task DamageAsync(string sessionId, string turnId, byte[] bytes);

    protected abstract Task DisposeStoreAsync();

    /// <summary>A canonical 16-bit mono WAV file of <paramref name="samples"/> samples, each <paramref name="fill"/>.</summary>
    protected static byte[] Wav(int samples, byte fill = 7)
    {
        var data = samples * 2;
        var wav = new byte[44 + data];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), (uint)(36 + data));
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(22), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(24), 24000);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(28), 48000);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(32), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(34), 16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), (uint)data);
        wav.AsSpan(44).Fill(fill);
        return wav;
    }

    [Fact]
    public async Task A_kept_answer_reads_back_byte_for_byte_and_is_listed_as_kept()
    {
        var wav = Wav(1000);
        Assert.True(await Store.KeepAsync("s1", "t1", wav, Ct));

        Assert.Equal(wav, await Store.FindAsync("s1", "t1", Ct));
        Assert.Equal(["t1"], (await Store.FindKeptAsync("s1", ["t1", "t2", "t3"], Ct)).Order());
        Assert.Empty(await Store.FindKeptAsync("s2", ["t1"], Ct));
        Assert.Empty(await Store.FindKeptAsync("s1", [], Ct));
    }

    [Fact]
    public async Task Keeping_a_turn_again_replaces_its_answer()
    {
        Assert.True(await Store.KeepAsync("s1", "t1", Wav(100, fill: 1), Ct));
        Assert.True(await Store.KeepAsync("s1", "t1", Wav(200, fill: 2), Ct));

        Assert.Equal(Wav(200, fill: 2), await Store.FindAsync("s1", "t1", Ct));
        Assert.Equal(1, await CountStoredAsync("s1"));
    }

    [Fact]
    public async Task An_unknown_turn_or_session_is_missing()
    {
        await Store.KeepAsync("s1", "t1", Wav(10), Ct);

        Assert.Null(await Store.FindAsync("s1", "t2", Ct));
        Assert.Null(await Store.FindAsync("s2", "t1", Ct));
    }

    [Fact]
    public async Task An_answer_expires_on_read_at_its_retention_and_delete_expired_removes_only_expired_ones()
    {
        await Store.KeepAsync("s1", "old", Wav(10), Ct);
        Clock.Advance(TimeSpan.FromHours(1));
        await Store.KeepAsync("s1", "new", Wav(10), Ct);
        await Store.KeepAsync("s2", "new", Wav(10), Ct);

        Clock.Advance(Retention - TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await Store.FindAsync("s1", "old", Ct)); // one second before its retention ends
        Assert.Equal(0, await Store.DeleteExpiredAsync(Ct));

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Store.FindAsync("s1", "old", Ct));
        Assert.Equal(["new"], (await Store.FindKeptAsync("s1", ["old", "new"], Ct)).Order());
        Assert.Equal(3, await CountStoredAsync(null)); // expired, but still there until deleted

        Assert.Equal(1, await Store.DeleteExpiredAsync(Ct));
        Assert.Equal(2, await CountStoredAsync(null));
        Assert.NotNull(await Store.FindAsync("s1", "new", Ct));

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, await Store.DeleteExpiredAsync(Ct));
        Assert.Equal(0, await CountStoredAsync(null));
    }

    [Fact]
    public async Task Deleting_a_session_leaves_nothing_of_it_and_keeps_the_others()
    {
        foreach (var turn in new[] { "t1", "t2", "t3" })
        {
            await Store.KeepAsync("gone", turn, Wav(50), Ct);
        }

        await Store.KeepAsync("kept", "t1", Wav(50), Ct);

        Assert.Equal(3, await Store.DeleteSessionAsync("gone", Ct));

        Assert.Equal(0, await CountStoredAsync("gone"));
        Assert.Null(await Store.FindAsync("gone", "t1", Ct));
        Assert.Equal(1, await CountStoredAsync("kept"));
        Assert.Equal(0, await Store.DeleteSessionAsync("gone", Ct));
        Assert.Equal(0, await Store.DeleteSessionAsync("never-seen", Ct));
    }

    [Fact]
    public async Task An_answer_over_the_size_limit_or_not_a_wav_file_is_refused_and_logged()
    {
        Assert.False(await Store.KeepAsync("s1", "big", Wav((int)(Options.MaxBytes / 2)), Ct)); // 44 bytes over
        Assert.False(await Store.KeepAsync("s1", "text", "hello, not audio at all, but long enough to have a header"u8.ToArray(), Ct));
        var truncated = Wav(100)[..120];
        Assert.False(await Store.KeepAsync("s1", "cut", truncated, Ct));

        Assert.Equal(0, await CountStoredAsync(null));
        Assert.Contains(Logs.Lines, l => l.Contains("Archive:AnswerAudio:MaxBytes", StringComparison.Ordinal) && l.Contains("big", StringComparison.Ordinal));
        Assert.Contains(Logs.Lines, l => l.Contains("not a whole WAV file", StringComparison.Ordinal) && l.Contains("cut", StringComparison.Ordinal));
        Assert.True(await Store.KeepAsync("s1", "fits", Wav((int)(Options.MaxBytes / 2) - 22), Ct)); // exactly the limit
    }

    [Fact]
    public async Task A_damaged_answer_reads_as_missing_and_is_logged()
    {
        await Store.KeepAsync("s1", "t1", Wav(100), Ct);
        await DamageAsync("s1", "t1", Wav(100)[..90]);

        Assert.Null(await Store.FindAsync("s1", "t1", Ct));
        Assert.Contains(Logs.Lines, l => l.Contains("t1", StringComparison.Ordinal) && l.Contains("WAV", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a/b", "t1")]
    [InlineData("s1", "../t1")]
    [InlineData("s1", "..\\t")]
    [InlineData("", "t1")]
    [InlineData("s1", "t 1")]
    public async Task Invalid_ids_are_refused_before_anything_is_touched(string sessionId, string turnId)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.KeepAsync(sessionId, turnId, Wav(10), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.FindAsync(sessionId, turnId, Ct));
        Assert.Equal(0, await CountStoredAsync(null));
    }

    [Fact]
    public async Task Ids_that_differ_only_in_case_or_by_dots_and_colons_are_kept_apart_and_dot_ids_are_just_names()
    {
        string[] sessions = ["session", "Session", "SESSION", "a.b", "a:b", "a_b", ".", "..", "..."];
        for (var i = 0; i < sessions.Length; i++)
        {
            Assert.True(await Store.KeepAsync(sessions[i], "T.1", Wav(10, fill: (byte)i), Ct));
        }

        for (var i = 0; i < sessions.Length; i++)
        {
            Assert.Equal(Wav(10, fill: (byte)i), await Store.FindAsync(sessions[i], "T.1", Ct));
        }

        Assert.Equal(1, await Store.DeleteSessionAsync("Session", Ct));
        Assert.Null(await Store.FindAsync("Session", "T.1", Ct));
        Assert.NotNull(await Store.FindAsync("session", "T.1", Ct));
        Assert.Equal(sessions.Length - 1, await CountStoredAsync(null));
    }

    /// <summary>Keeps the lines logged at warning and above.</summary>
    protected sealed class ListLogger : ILoggerFactory
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger<T> For<T>() => new Logger<T>(this);

        public ILogger CreateLogger(string categoryName) => new Line(_lines);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Line(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}
