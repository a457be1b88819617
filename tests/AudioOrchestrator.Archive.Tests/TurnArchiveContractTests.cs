using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Archive.Tests;

/// <summary>
/// What every <see cref="ITurnArchive"/> store must do, run against each of them. Times are explicit in the data
/// (no clock, no sleeps); nothing is timed.
/// </summary>
public abstract class TurnArchiveContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private RelationalTurnArchive? _archive;

    protected RelationalTurnArchive Archive => _archive ?? throw new InvalidOperationException("Not initialized.");

    public async ValueTask InitializeAsync() => _archive = await CreateArchiveAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_archive is not null)
        {
            await _archive.DisposeAsync();
        }

        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    protected abstract Task<RelationalTurnArchive> CreateArchiveAsync(CancellationToken cancellationToken);

    /// <summary>Rows left in the store's own tables (and search index) for the session, or holding the word.</summary>
    protected abstract Task<long> CountStoredRowsAsync(string sessionId, string uniqueWord);

    protected abstract Task DisposeStoreAsync();

    protected static ArchivedTurn Turn(
        string sessionId,
        string turnId,
        DateTimeOffset committedAt,
        string speakerId = "alice",
        string agent = "conversation",
        string transcript = "hello there",
        string answer = "hi",
        string? guildId = null) =>
        new(sessionId, guildId, turnId, speakerId, transcript, agent, new TurnRoute(TurnRoute.Fallback), answer, false, null, null, null, null, committedAt);

    [Fact]
    public async Task A_turn_reads_back_with_every_field_and_its_time_in_microseconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var committed = T0.AddTicks(1_234_567); // 123.4567 ms: the archive keeps 123.456 ms
        var timings = new TurnTimings(120.5, 840.25, 310, 950.75, 1500, 300, 45.5, T0.AddSeconds(-3), T0.AddSeconds(-1.5), T0.AddSeconds(-1.2), T0.AddSeconds(-2.9), 210.125, 88);
        var tools = new[]
        {
            new ToolCallRecord("call_1", "weather", "{\"city\":\"Paris\"}", T0.AddSeconds(-1), true, 42.5, 120),
            new ToolCallRecord("call_2", "calendar", "{}", T0.AddSeconds(-0.5), true, 3, 0, "timed out"),
        };
        var answered = new ArchivedTurn(
            "discord-1-2", "guild-1", "turn-1", "user-7", "Computer, what is the weather in Paris?", "conversation",
            new TurnRoute(TurnRoute.Classifier, "model: weather"), "It is sunny in Paris.", false, null, timings, tools,
            "audio/discord-1-2/turn-1.ogg", committed, T0.AddSeconds(-3), TurnSources.Voice, AnsweredAhead: true);
        var failed = new ArchivedTurn(
            "discord-1-2", "guild-1", "turn-2", "user-8", "tell me a joke", "conversation", null, "Sorry, I could not answer.",
            true, "model timed out", null, null, null, committed.AddSeconds(5), null, TurnSources.Text);

        Assert.True(await Archive.AppendAsync(answered, ct));
        Assert.True(await Archive.AppendAsync(failed, ct));

        var page = await Archive.GetTurnsAsync("discord-1-2", new TurnQuery(), ct);
        Assert.Null(page.NextCursor);
        Assert.Equal(2, page.Items.Count);
        var expectedFirst = answered with { CommittedAt = T0.AddTicks(1_234_560) };
        Assert.Equal(Json(expectedFirst), Json(page.Items[0]));
        Assert.Equal(T0.AddTicks(1_234_560), page.Items[0].CommittedAt);
        Assert.Equal(Json(failed with { CommittedAt = T0.AddTicks(1_234_560).AddSeconds(5) }), Json(page.Items[1]));

        var sessions = await Archive.ListSessionsAsync(new SessionQuery(), ct);
        var summary = Assert.Single(sessions.Items);
        Assert.Equal(new SessionSummary("discord-1-2", "guild-1", 2, T0.AddTicks(1_234_560), T0.AddTicks(1_234_560).AddSeconds(5)), summary);
        Assert.Null(sessions.NextCursor);
    }

    [Fact]
    public async Task Turns_appended_together_are_each_stored_once_and_counted_in_their_sessions()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await Archive.AppendAsync(Turn("b1", "t1", T0), ct));

        var stored = await Archive.AppendAllAsync(
            [Turn("b2", "t1", T0.AddSeconds(1), guildId: "9"), Turn("b1", "t1", T0), Turn("b1", "t2", T0.AddSeconds(2)), Turn("b2", "t2", T0.AddSeconds(3)), Turn("b1", "t3", T0.AddSeconds(4))],
            ct);

        Assert.Equal(4, stored); // b1/t1 was archived already
        Assert.Equal(["t1", "t2", "t3"], (await Archive.GetTurnsAsync("b1", new TurnQuery(), ct)).Items.Select(t => t.TurnId));
        Assert.Equal((3L, T0.AddSeconds(4)), await SummaryOf("b1"));
        Assert.Equal((2L, T0.AddSeconds(3)), await SummaryOf("b2"));
        Assert.Equal("9", (await Archive.GetSessionAsync("b2", ct))!.GuildId);
        Assert.Equal(0, await Archive.AppendAllAsync([], ct));

        // One invalid turn refuses the whole call: nothing of it is stored.
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Archive.AppendAllAsync([Turn("b3", "t1", T0), Turn("b3", "", T0)], ct));
        Assert.Null(await Archive.GetSessionAsync("b3", ct));

        async Task<(long, DateTimeOffset)> SummaryOf(string session) =>
            (await Archive.GetSessionAsync(session, ct)) is { } s ? (s.TurnCount, s.LastActivityAt) : throw new InvalidOperationException(session);
    }

    [Fact]
    public async Task A_retried_append_stores_nothing_more()
    {
        var ct = TestContext.Current.CancellationToken;
        var turn = Turn("s1", "t1", T0);
        Assert.True(await Archive.AppendAsync(turn, ct));
        Assert.False(await Archive.AppendAsync(turn, ct));
        Assert.False(await Archive.AppendAsync(turn with { ResponseText = "a different retry", CommittedAt = T0.AddSeconds(9) }, ct));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Archive.AppendAsync(Turn("s1", "t2", T0.AddSeconds(1)), ct), ct)));
        Assert.Single(results, r => r);

        Assert.Equal(["t1", "t2"], (await Archive.GetTurnsAsync("s1", new TurnQuery(), ct)).Items.Select(t => t.TurnId));
        Assert.Equal("hi", (await Archive.GetTurnsAsync("s1", new TurnQuery(), ct)).Items[0].ResponseText);
        var summary = Assert.Single((await Archive.ListSessionsAsync(new SessionQuery(), ct)).Items);
        Assert.Equal(2, summary.TurnCount);
        Assert.Equal(T0.AddSeconds(1), summary.LastActivityAt);
    }

    [Fact]
    public async Task Sessions_are_listed_newest_activity_first_and_filtered()
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("a", "1", T0, speakerId: "alice", agent: "time", guildId: "g1"), ct);
        await Archive.AppendAsync(Turn("a", "2", T0.AddMinutes(30), speakerId: "bob", agent: "conversation", guildId: "g1"), ct);
        await Archive.AppendAsync(Turn("b", "1", T0.AddMinutes(10), speakerId: "bob", agent: "echo", guildId: "g2"), ct);
        await Archive.AppendAsync(Turn("c", "1", T0.AddMinutes(20), speakerId: "carol", agent: "time"), ct);
        await Archive.AppendAsync(Turn("d", "1", T0.AddMinutes(-60), speakerId: "alice", agent: "help", guildId: "g1"), ct);

        async Task<string[]> Ids(SessionQuery query) => [.. (await Archive.ListSessionsAsync(query, ct)).Items.Select(s => s.SessionId)];

        Assert.Equal(["a", "c", "b", "d"], await Ids(new SessionQuery()));
        Assert.Equal(["a", "d"], await Ids(new SessionQuery(GuildId: "g1")));
        Assert.Equal(["a", "b"], await Ids(new SessionQuery(SpeakerId: "bob")));
        Assert.Equal(["a", "c"], await Ids(new SessionQuery(Agent: "time")));
        Assert.Equal(["a", "c", "b"], await Ids(new SessionQuery(Since: T0)));
        Assert.Equal(["a", "d"], await Ids(new SessionQuery(Until: T0.AddMinutes(5))));
        Assert.Equal(["c", "b"], await Ids(new SessionQuery(Since: T0.AddMinutes(5), Until: T0.AddMinutes(25))));
        Assert.Equal(["a"], await Ids(new SessionQuery(GuildId: "g1", SpeakerId: "alice", Agent: "time")));
        Assert.Empty(await Ids(new SessionQuery(GuildId: "g1", SpeakerId: "carol")));
        Assert.Empty(await Ids(new SessionQuery(SpeakerId: "alice", Since: T0.AddMinutes(1))));

        var a = (await Archive.ListSessionsAsync(new SessionQuery(SpeakerId: "alice", Agent: "time"), ct)).Items.Single();
        Assert.Equal(new SessionSummary("a", "g1", 2, T0, T0.AddMinutes(30)), a); // the whole session, not the matching turns
    }

    [Fact]
    public async Task A_guild_set_lists_only_the_sessions_of_those_guilds()
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("discord-1", "1", T0, guildId: "1"), ct);
        await Archive.AppendAsync(Turn("discord-2", "1", T0.AddMinutes(1), guildId: "2"), ct);
        await Archive.AppendAsync(Turn("discord-3", "1", T0.AddMinutes(2), guildId: "3"), ct);
        await Archive.AppendAsync(Turn("rest", "1", T0.AddMinutes(3)), ct);
        for (var i = 0; i < 3; i++)
        {
            await Archive.AppendAsync(Turn($"discord-1-{i}", "1", T0.AddMinutes(10 + i), guildId: "1"), ct);
        }

        async Task<string[]> Ids(SessionQuery query) => [.. (await Archive.ListSessionsAsync(query, ct)).Items.Select(s => s.SessionId)];

        Assert.Equal(["discord-1-2", "discord-1-1", "discord-1-0", "discord-3", "discord-1"], await Ids(new SessionQuery(GuildIds: ["1", "3"])));
        Assert.Equal(["discord-3"], await Ids(new SessionQuery(GuildId: "3", GuildIds: ["1", "3"])));
        Assert.Empty(await Ids(new SessionQuery(GuildId: "2", GuildIds: ["1", "3"]))); // a guild outside the set
        Assert.Empty(await Ids(new SessionQuery(GuildIds: [])));
        Assert.Empty(await Ids(new SessionQuery(GuildIds: ["4"])));
        Assert.Equal(["discord-1-2", "discord-1-1", "discord-1-0", "rest", "discord-3", "discord-2", "discord-1"], await Ids(new SessionQuery()));

        // Paging keeps the restriction: every page holds only the set's sessions, each once.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Archive.ListSessionsAsync(new SessionQuery(Limit: 2, Cursor: cursor, GuildIds: ["1"]), ct);
            seen.AddRange(page.Items.Select(s => s.SessionId));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(["discord-1-2", "discord-1-1", "discord-1-0", "discord-1"], seen);
    }

    [Fact]
    public async Task Session_pages_cover_every_session_once_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 7; i++)
        {
            await Archive.AppendAsync(Turn($"s{i}", "1", T0.AddMinutes(i / 2)), ct); // pairs share their last activity: ties by id
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Archive.ListSessionsAsync(new SessionQuery(Limit: 3, Cursor: cursor), ct);
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items.Select(s => s.SessionId));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["s6", "s5", "s4", "s3", "s2", "s1", "s0"], seen);
    }

    [Fact]
    public async Task Session_pages_never_repeat_a_session_while_turns_are_appended()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 30; i++)
        {
            await Archive.AppendAsync(Turn($"s{i:D2}", "1", T0.AddMinutes(i)), ct);
        }

        var seen = new List<string>();
        string? cursor = null;
        var page = 0;
        do
        {
            var result = await Archive.ListSessionsAsync(new SessionQuery(Limit: 4, Cursor: cursor), ct);
            seen.AddRange(result.Items.Select(s => s.SessionId));
            cursor = result.NextCursor;

            // A session already listed gets newer activity, and a new session starts: both land ahead of the cursor.
            await Archive.AppendAsync(Turn(seen[0], $"more-{page}", T0.AddDays(1).AddMinutes(page)), ct);
            await Archive.AppendAsync(Turn($"new-{page:D2}", "1", T0.AddDays(1).AddMinutes(page)), ct);
            page++;
        }
        while (cursor is not null && page < 100);

        Assert.Null(cursor);
        Assert.Equal(Enumerable.Range(0, 30).Reverse().Select(i => $"s{i:D2}"), seen);
    }

    [Fact]
    public async Task Turn_pages_go_oldest_or_newest_first_with_ties_by_turn_id_and_since()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] ids = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"];
        for (var i = ids.Length - 1; i >= 0; i--)
        {
            await Archive.AppendAsync(Turn("s", ids[i], T0.AddSeconds(i / 2)), ct);
        }

        await Archive.AppendAsync(Turn("other", "t9", T0.AddSeconds(1)), ct);

        async Task<List<string>> ReadAll(TurnQuery query)
        {
            var all = new List<string>();
            string? cursor = null;
            do
            {
                var page = await Archive.GetTurnsAsync("s", query with { Cursor = cursor }, ct);
                all.AddRange(page.Items.Select(t => t.TurnId));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return all;
        }

        Assert.Equal(ids, await ReadAll(new TurnQuery(Limit: 3)));
        Assert.Equal(ids.Reverse(), await ReadAll(new TurnQuery(TurnOrder.NewestFirst, Limit: 3)));
        Assert.Equal(ids[4..], await ReadAll(new TurnQuery(Since: T0.AddSeconds(2), Limit: 2)));
        Assert.Equal(ids[4..].Reverse(), await ReadAll(new TurnQuery(TurnOrder.NewestFirst, Since: T0.AddSeconds(2), Limit: 5)));
        Assert.Empty((await Archive.GetTurnsAsync("nobody", new TurnQuery(), ct)).Items);
    }

    [Fact]
    public async Task Turns_after_a_position_follow_it_in_commit_order_whether_or_not_that_turn_is_archived()
    {
        var ct = TestContext.Current.CancellationToken;
        var at = T0.AddTicks(1234567); // below a microsecond: dropped, as the archive keeps it
        await Archive.AppendAsync(Turn("s", "a", at), ct);
        await Archive.AppendAsync(Turn("s", "c", at), ct);
        await Archive.AppendAsync(Turn("s", "b", at.AddSeconds(1)), ct);
        await Archive.AppendAsync(Turn("s", "d", at.AddSeconds(2)), ct);
        await Archive.AppendAsync(Turn("other", "z", at.AddSeconds(3)), ct);

        async Task<List<string>> After(TurnPosition position, TurnOrder order = TurnOrder.OldestFirst, int limit = 50)
        {
            var all = new List<string>();
            string? cursor = null;
            do
            {
                var page = await Archive.GetTurnsAsync("s", new TurnQuery(order, Limit: limit, Cursor: cursor, After: position), ct);
                all.AddRange(page.Items.Select(t => t.TurnId));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return all;
        }

        var stored = (await Archive.GetTurnsAsync("s", new TurnQuery(), ct)).Items;
        Assert.Equal(["c", "b", "d"], await After(TurnPosition.Of(stored[0])));
        Assert.Equal(["b", "d"], await After(new TurnPosition(at, "c"), limit: 1));
        Assert.Equal(["d", "b"], await After(new TurnPosition(at, "c"), TurnOrder.NewestFirst, limit: 1));
        Assert.Equal(["c", "b", "d"], await After(new TurnPosition(at, "b"))); // a turn id never archived, same microsecond: "c" follows it
        Assert.Equal(["a", "c", "b", "d"], await After(new TurnPosition(at.AddTicks(-10), "zzz")));
        Assert.Empty(await After(new TurnPosition(at.AddSeconds(2), "d")));
        Assert.Equal(TurnPosition.Of(stored[0]), TurnPosition.FromMicros(TurnPosition.Of(stored[0]).CommittedAtMicros, "a"));
        Assert.True(new TurnPosition(at, "c").IsAfter(new TurnPosition(at, "a")));
        Assert.False(new TurnPosition(at, "a").IsAfter(new TurnPosition(at.AddTicks(10), "b")));
    }

    [Theory]
    [InlineData(TurnOrder.OldestFirst)]
    [InlineData(TurnOrder.NewestFirst)]
    public async Task Turn_pages_have_no_gaps_or_repeats_while_turns_are_appended(TurnOrder order)
    {
        var ct = TestContext.Current.CancellationToken;
        const int Existing = 60;
        for (var i = 0; i < Existing; i++)
        {
            await Archive.AppendAsync(Turn("s", $"old-{i:D3}", T0.AddSeconds(i)), ct);
        }

        // Appends running beside the reader: newer turns, and turns landing among the existing ones.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var appender = Task.Run(
            async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested && i < 500; i++)
                {
                    await Archive.AppendAsync(Turn("s", $"new-{i:D3}", T0.AddSeconds(Existing + i)), ct);
                    await Archive.AppendAsync(Turn("s", $"mid-{i:D3}", T0.AddSeconds(i % Existing).AddMilliseconds(500)), ct);
                }
            },
            ct);

        var read = new List<ArchivedTurn>();
        string? cursor = null;
        var page = 0;
        do
        {
            var result = await Archive.GetTurnsAsync("s", new TurnQuery(order, Limit: 7, Cursor: cursor), ct);
            read.AddRange(result.Items);
            cursor = result.NextCursor;

            // And appends between pages, on both sides of the cursor.
            await Archive.AppendAsync(Turn("s", $"between-late-{page:D3}", T0.AddSeconds(10_000 + page)), ct);
            await Archive.AppendAsync(Turn("s", $"between-early-{page:D3}", T0.AddSeconds(-10_000 + page)), ct);
            page++;
        }
        while (cursor is not null && page < 1000);

        await stop.CancelAsync();
        await appender;

        Assert.Null(cursor);
        Assert.Equal(read.Count, read.Select(t => t.TurnId).Distinct().Count()); // no repeats
        for (var i = 0; i < Existing; i++)
        {
            Assert.Contains($"old-{i:D3}", read.Select(t => t.TurnId)); // no gaps
        }

        var keys = read.Select(t => (t.CommittedAt, t.TurnId)).ToList();
        var sorted = order == TurnOrder.OldestFirst
            ? keys.OrderBy(k => k.CommittedAt).ThenBy(k => k.TurnId, StringComparer.Ordinal).ToList()
            : keys.OrderByDescending(k => k.CommittedAt).ThenByDescending(k => k.TurnId, StringComparer.Ordinal).ToList();
        Assert.Equal(sorted, keys);
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("'")]
    [InlineData("OR")]
    [InlineData("*")]
    [InlineData("-")]
    [InlineData(";DROP TABLE archive_turns;--")]
    [InlineData("'; DROP TABLE archive_turns; --")]
    [InlineData("paris OR")]
    [InlineData("\"paris")]
    [InlineData("paris*")]
    [InlineData("-paris")]
    [InlineData("NEAR(paris weather)")]
    [InlineData("transcript:paris")]
    [InlineData("paris & !sunny | (rain")]
    [InlineData("^paris")]
    [InlineData("AND NOT")]
    [InlineData("\\")]
    [InlineData("%_")]
    public async Task Search_text_with_query_syntax_never_fails_and_never_injects(string q)
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("s", "1", T0, transcript: "What's the weather in Paris?", answer: "It is sunny in Paris."), ct);

        var page = await Archive.ListSessionsAsync(new SessionQuery(Q: q), ct);
        Assert.True(page.Items.Count <= 1);
        Assert.Single((await Archive.GetTurnsAsync("s", new TurnQuery(), ct)).Items);
        Assert.Single((await Archive.ListSessionsAsync(new SessionQuery(Q: "paris"), ct)).Items);
    }

    [Fact]
    public async Task Search_finds_all_words_in_transcript_or_answer_whatever_their_case_or_punctuation()
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("weather", "1", T0, transcript: "What's the weather in Paris?", answer: "It is sunny in Paris."), ct);
        await Archive.AppendAsync(Turn("weather", "2", T0.AddMinutes(1), transcript: "and tomorrow", answer: "Rain, I'm afraid."), ct);
        await Archive.AppendAsync(Turn("music", "1", T0.AddMinutes(2), transcript: "play some jazz", answer: "Playing jazz from Paris radio."), ct);
        await Archive.AppendAsync(Turn("other", "1", T0.AddMinutes(3), transcript: "Paris or London", answer: "Both are capitals."), ct);

        async Task<string[]> Ids(string q, string? speaker = null) =>
            [.. (await Archive.ListSessionsAsync(new SessionQuery(Q: q, SpeakerId: speaker), ct)).Items.Select(s => s.SessionId)];

        Assert.Equal(["other", "music", "weather"], await Ids("paris"));
        Assert.Equal(["weather"], await Ids("PARIS sunny"));
        Assert.Equal(["weather"], await Ids("\"weather\" -- paris!"));
        Assert.Equal(["weather"], await Ids("rain"));
        Assert.Equal(["music"], await Ids("jazz radio"));
        Assert.Equal(["other"], await Ids("paris OR london"));
        Assert.Empty(await Ids("paris berlin"));
        Assert.Empty(await Ids("sunny rain")); // words of different turns are not one match
        Assert.Empty(await Ids("paris", speaker: "nobody"));
        Assert.Empty(await Ids("\"*'-;"));
        Assert.Equal(["other", "music", "weather"], await Ids("   "));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Archive.ListSessionsAsync(new SessionQuery(Q: new string('a', RelationalTurnArchive.MaxSearchLength + 1)), ct));
    }

    [Fact]
    public async Task Limits_default_to_50_are_capped_at_200_and_must_be_positive()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 201; i++)
        {
            await Archive.AppendAsync(Turn($"s{i:D3}", "1", T0.AddSeconds(i)), ct);
            await Archive.AppendAsync(Turn("long", $"t{i:D3}", T0.AddSeconds(i)), ct);
        }

        var sessions = await Archive.ListSessionsAsync(new SessionQuery(Limit: int.MaxValue), ct);
        Assert.Equal(ArchiveLimits.MaxLimit, sessions.Items.Count);
        Assert.NotNull(sessions.NextCursor);
        Assert.Equal(2, (await Archive.ListSessionsAsync(new SessionQuery(Limit: int.MaxValue, Cursor: sessions.NextCursor), ct)).Items.Count);
        Assert.Equal(ArchiveLimits.DefaultLimit, (await Archive.ListSessionsAsync(new SessionQuery(), ct)).Items.Count);

        var turns = await Archive.GetTurnsAsync("long", new TurnQuery(Limit: 1_000_000), ct);
        Assert.Equal(ArchiveLimits.MaxLimit, turns.Items.Count);
        var rest = await Archive.GetTurnsAsync("long", new TurnQuery(Limit: 1_000_000, Cursor: turns.NextCursor), ct);
        Assert.Equal("t200", Assert.Single(rest.Items).TurnId);
        Assert.Null(rest.NextCursor);
        Assert.Equal(ArchiveLimits.DefaultLimit, (await Archive.GetTurnsAsync("long", new TurnQuery(), ct)).Items.Count);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Archive.ListSessionsAsync(new SessionQuery(Limit: 0), ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Archive.GetTurnsAsync("long", new TurnQuery(Limit: -5), ct));
    }

    public static TheoryData<string> MalformedCursors => new()
    {
        "not a cursor!",
        "%%%",
        "AAAA",
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("not json")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("{\"a\":1}")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("[\"s\",\"x\",\"y\",\"\"]")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("[\"s\",1e300,\"y\",\"\"]")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("[\"s\",9223372036854775807,\"y\",\"\"]")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("[\"t+\",0,\"y\",\"s\"]")),
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("[\"s\",0,\"y\",\"\",\"extra\"]")),
        new string('A', 10_000),
        string.Empty,
    };

    [Theory]
    [MemberData(nameof(MalformedCursors))]
    public async Task A_malformed_session_cursor_is_a_clear_argument_error(string cursor)
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("s", "1", T0), ct);
        var error = await Assert.ThrowsAsync<InvalidArchiveCursorException>(() => Archive.ListSessionsAsync(new SessionQuery(Cursor: cursor), ct));
        Assert.Equal("cursor", error.ParamName);
        Assert.Contains("cursor", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_turn_cursor_works_only_for_its_session_and_order()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            await Archive.AppendAsync(Turn("a", $"t{i}", T0.AddSeconds(i)), ct);
            await Archive.AppendAsync(Turn("b", $"t{i}", T0.AddSeconds(i)), ct);
        }

        var cursor = (await Archive.GetTurnsAsync("a", new TurnQuery(Limit: 1), ct)).NextCursor;
        Assert.NotNull(cursor);
        Assert.Equal(["t1"], (await Archive.GetTurnsAsync("a", new TurnQuery(Limit: 1, Cursor: cursor), ct)).Items.Select(t => t.TurnId));
        await Assert.ThrowsAsync<InvalidArchiveCursorException>(() => Archive.GetTurnsAsync("b", new TurnQuery(Cursor: cursor), ct));
        await Assert.ThrowsAsync<InvalidArchiveCursorException>(() => Archive.GetTurnsAsync("a", new TurnQuery(TurnOrder.NewestFirst, Cursor: cursor), ct));
        await Assert.ThrowsAsync<InvalidArchiveCursorException>(() => Archive.ListSessionsAsync(new SessionQuery(Cursor: cursor), ct));
        await Assert.ThrowsAsync<InvalidArchiveCursorException>(() => Archive.GetTurnsAsync("a", new TurnQuery(Cursor: cursor[..^2]), ct));

        var sessionCursor = (await Archive.ListSessionsAsync(new SessionQuery(Limit: 1), ct)).NextCursor;
        Assert.NotNull(sessionCursor);
        await Assert.ThrowsAsync<InvalidArchiveCursorException>(() => Archive.GetTurnsAsync("a", new TurnQuery(Cursor: sessionCursor), ct));
    }

    [Fact]
    public async Task Deleting_a_session_leaves_nothing_of_it_and_keeps_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 5; i++)
        {
            await Archive.AppendAsync(Turn("gone", $"t{i}", T0.AddSeconds(i), transcript: "zanzibar quokka", answer: "noted"), ct);
        }

        await Archive.AppendAsync(Turn("kept", "t0", T0, transcript: "hello", answer: "hi"), ct);

        Assert.Equal(5, await Archive.DeleteSessionAsync("gone", ct));

        Assert.Empty((await Archive.GetTurnsAsync("gone", new TurnQuery(), ct)).Items);
        Assert.Equal(["kept"], (await Archive.ListSessionsAsync(new SessionQuery(), ct)).Items.Select(s => s.SessionId));
        Assert.Empty((await Archive.ListSessionsAsync(new SessionQuery(Q: "zanzibar"), ct)).Items);
        Assert.Equal(0, await CountStoredRowsAsync("gone", "quokka"));
        Assert.Single((await Archive.GetTurnsAsync("kept", new TurnQuery(), ct)).Items);
        Assert.Equal(0, await Archive.DeleteSessionAsync("gone", ct));

        // The session can start again from nothing.
        Assert.True(await Archive.AppendAsync(Turn("gone", "t0", T0.AddDays(1)), ct));
        Assert.Equal(1, (await Archive.ListSessionsAsync(new SessionQuery(), ct)).Items.Single(s => s.SessionId == "gone").TurnCount);
    }

    [Fact]
    public async Task Retention_deletes_only_turns_committed_before_the_cutoff()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 10; i++)
        {
            await Archive.AppendAsync(Turn("mixed", $"t{i}", T0.AddDays(i)), ct);
        }

        await Archive.AppendAsync(Turn("old", "t0", T0.AddDays(-30), transcript: "ancient quokka"), ct);
        await Archive.AppendAsync(Turn("old", "t1", T0.AddDays(-20), transcript: "ancient quokka"), ct);
        await Archive.AppendAsync(Turn("new", "t0", T0.AddDays(20)), ct);

        var cutoff = T0.AddDays(5);
        Assert.Equal(7, await Archive.DeleteOlderThanAsync(cutoff, ct));

        Assert.Equal(["t5", "t6", "t7", "t8", "t9"], (await Archive.GetTurnsAsync("mixed", new TurnQuery(), ct)).Items.Select(t => t.TurnId));
        Assert.Empty((await Archive.GetTurnsAsync("old", new TurnQuery(), ct)).Items);
        Assert.Equal(0, await CountStoredRowsAsync("old", "ancient"));
        var sessions = (await Archive.ListSessionsAsync(new SessionQuery(), ct)).Items;
        Assert.Equal(
            [new SessionSummary("new", null, 1, T0.AddDays(20), T0.AddDays(20)), new SessionSummary("mixed", null, 5, cutoff, T0.AddDays(9))],
            sessions);

        Assert.Equal(0, await Archive.DeleteOlderThanAsync(cutoff, ct));
        Assert.Equal(1, await Archive.DeleteOlderThanAsync(cutoff.AddTicks(10), ct)); // the boundary turn itself was kept
    }

    [Fact]
    public async Task An_answer_interrupted_after_it_was_archived_keeps_only_what_was_heard_and_is_searched_as_such()
    {
        var ct = TestContext.Current.CancellationToken;
        await Archive.AppendAsync(Turn("s1", "t1", T0, transcript: "tell me about walruses", answer: "Walruses are large pinnipeds of the arctic"), ct);
        await Archive.AppendAsync(Turn("s1", "t2", T0.AddSeconds(1), answer: "pinnipeds again"), ct);

        Assert.True(await Archive.MarkInterruptedAsync("s1", "t1", "Walruses are large", ct));
        Assert.True(await Archive.MarkInterruptedAsync("s1", "t1", "Walruses are large", ct)); // a repeated amendment changes nothing more
        Assert.False(await Archive.MarkInterruptedAsync("s1", "missing", "", ct));
        Assert.False(await Archive.MarkInterruptedAsync("other", "t1", "", ct));

        var turns = (await Archive.GetTurnsAsync("s1", new TurnQuery(), ct)).Items;
        Assert.Equal(
            [("t1", true, "Walruses are large", "tell me about walruses"), ("t2", false, "pinnipeds again", "hello there")],
            turns.Select(t => (t.TurnId, t.Interrupted, t.ResponseText, t.Transcript)));
        Assert.Empty((await Archive.ListSessionsAsync(new SessionQuery(Q: "arctic"), ct)).Items);
        Assert.Single((await Archive.ListSessionsAsync(new SessionQuery(Q: "walruses large"), ct)).Items);
        Assert.Single((await Archive.ListSessionsAsync(new SessionQuery(Q: "pinnipeds"), ct)).Items); // the other turn still matches
        Assert.Equal(2, (await Archive.GetSessionAsync("s1", ct))!.TurnCount);
    }

    [Fact]
    public async Task A_session_is_read_by_id_as_it_is_listed()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Null(await Archive.GetSessionAsync("s1", ct));
        await Archive.AppendAsync(Turn("s1", "t1", T0, guildId: "g1"), ct);
        await Archive.AppendAsync(Turn("s1", "t2", T0.AddMinutes(3), guildId: "g1"), ct);
        await Archive.AppendAsync(Turn("s2", "t1", T0.AddMinutes(5)), ct);

        Assert.Equal(new SessionSummary("s1", "g1", 2, T0, T0.AddMinutes(3)), await Archive.GetSessionAsync("s1", ct));
        Assert.Equal((await Archive.ListSessionsAsync(new SessionQuery(), ct)).Items.Single(s => s.SessionId == "s2"), await Archive.GetSessionAsync("s2", ct));
        await Archive.DeleteSessionAsync("s1", ct);
        Assert.Null(await Archive.GetSessionAsync("s1", ct));
    }

    [Fact]
    public async Task Migrating_again_applies_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Archive.MigrateAsync(ct);
        Assert.NotEmpty(first);
        Assert.Empty(await Archive.MigrateAsync(ct));
        await Archive.InitializeAsync(ct);
        await Archive.InitializeAsync(ct);
        Assert.True(await Archive.AppendAsync(Turn("s", "1", T0), ct));
    }

    private static string Json(ArchivedTurn turn) => JsonSerializer.Serialize(turn, JsonSerializerOptions.Web);
}
