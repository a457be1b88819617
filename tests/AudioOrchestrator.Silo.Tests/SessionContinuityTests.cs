using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Retention;
using AudioOrchestrator.Silo.Retention;
using AudioOrchestrator.Testing.OpenAi;
using Orleans.Runtime;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// A session's recent window and the SQLite archive as one (the embedded default: in-memory grain storage): the
/// context survives the service being stopped and started again on the same archive file, deleting a session leaves
/// nothing of it, and retention deletes only expired turns.
/// </summary>
public sealed class SessionContinuityTests : IAsyncDisposable
{
    private readonly string _archivePath = Path.Combine(Path.GetTempPath(), "ao-continuity-" + Guid.NewGuid().ToString("N")[..12] + ".db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<ServiceOnArchive> StartAsync(FakeOpenAiServer? model = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var service = new ServiceOnArchive(_archivePath, model, settings);
        try
        {
            await service.InitializeAsync();
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    private static async Task SayAsync(ServiceFixture service, string session, string text)
    {
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speaker = "ada", speak = false }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<SessionSnapshot> SnapshotAsync(ServiceFixture service, string session) =>
        (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct))!;

    [Fact]
    public async Task A_session_continues_after_the_service_restarts_on_the_same_archive_file()
    {
        var session = NewId("continue");
        await using var model = await FakeOpenAiServer.StartAsync(r => r.System.StartsWith("You sort requests", StringComparison.Ordinal)
            ? FakeChatReply.Say("general")
            : FakeChatReply.Say("You said one, two and three."));
        await using (var first = await StartAsync(model))
        {
            foreach (var text in new[] { "echo one", "echo two", "echo three" })
            {
                await SayAsync(first, session, text);
            }
        } // stopped: the writer drains its queue into the file, the in-memory grain state is gone

        await using var second = await StartAsync(model);
        var rebuilt = await SnapshotAsync(second, session);
        Assert.Equal(["echo one", "echo two", "echo three"], rebuilt.History.Select(t => t.Transcript));
        Assert.Equal(["one", "two", "three"], rebuilt.History.Select(t => t.ResponseText));
        Assert.Equal(("3", "echo"), (rebuilt.Context[SessionContextKeys.TurnCount], rebuilt.Context[SessionContextKeys.LastAgent]));

        // The next turn continues the conversation: the model sees the turns from before the restart, in order.
        await SayAsync(second, session, "what did i ask you to repeat");
        var request = Assert.Single(model.Requests, r => !r.System.StartsWith("You sort requests", StringComparison.Ordinal));
        var said = request.Messages.Where(m => m.Role is "user" or "assistant").Select(m => m.Content).ToArray();
        Assert.Equal(["echo one", "one", "echo two", "two", "echo three", "three", "what did i ask you to repeat"], said);

        var continued = await SnapshotAsync(second, session);
        Assert.Equal(["echo one", "echo two", "echo three", "what did i ask you to repeat"], continued.History.Select(t => t.Transcript));
        Assert.Equal("4", continued.Context[SessionContextKeys.TurnCount]);
        Assert.Equal(rebuilt.CreatedAt, continued.CreatedAt);
    }

    [Fact]
    public async Task Only_the_recent_window_is_kept_in_the_session_and_rebuilt_while_the_archive_keeps_every_turn()
    {
        var session = NewId("window");
        var window = new Dictionary<string, string?> { ["Conversation:MaxHistoryTurns"] = "3" };
        await using (var first = await StartAsync(settings: window))
        {
            for (var i = 1; i <= 5; i++)
            {
                await SayAsync(first, session, $"echo turn {i}");
            }

            Assert.Equal(["turn 3", "turn 4", "turn 5"], (await SnapshotAsync(first, session)).History.Select(t => t.ResponseText));
        }

        await using var second = await StartAsync(settings: window);
        var rebuilt = await SnapshotAsync(second, session);
        Assert.Equal(["turn 3", "turn 4", "turn 5"], rebuilt.History.Select(t => t.ResponseText));
        Assert.Equal("5", rebuilt.Context[SessionContextKeys.TurnCount]);
        var all = await second.Http.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}/turns", Ct);
        Assert.Equal(5, all.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_session_whose_archive_cannot_be_read_starts_empty_and_answers()
    {
        Directory.CreateDirectory(_archivePath); // a directory where the file should be: every read fails
        var session = NewId("unreadable");
        await using var service = await StartAsync(settings: new Dictionary<string, string?> { ["Archive:MigrateOnStart"] = "false" });

        await SayAsync(service, session, "echo still here");

        var snapshot = await SnapshotAsync(service, session);
        Assert.Equal(["still here"], snapshot.History.Select(t => t.ResponseText));
        Assert.Contains(service.Logs.Lines, l => l.Contains($"Session {session}: reading its recent history from the turn archive failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_a_session_leaves_nothing_of_it_in_the_archive_even_turns_still_queued()
    {
        var session = NewId("forget");
        var kept = NewId("kept");
        await using var service = await StartAsync();
        await SayAsync(service, kept, "echo stays");
        for (var i = 0; i < 5; i++)
        {
            await SayAsync(service, session, $"echo gone {i}");
        }

        // At once: the turns may still be in the writer's queue; the delete comes after them in it.
        using (var deleted = await service.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var archive = service.Services.GetRequiredService<ITurnArchive>();
        await service.Services.GetRequiredService<AudioOrchestrator.Silo.Archive.TurnArchiveWriter>().FlushAsync(Ct);
        Assert.Empty((await archive.GetTurnsAsync(session, new TurnQuery(), Ct)).Items);
        Assert.Null(await archive.GetSessionAsync(session, Ct));
        Assert.DoesNotContain((await archive.ListSessionsAsync(new SessionQuery(Limit: 200), Ct)).Items, s => s.SessionId == session);
        Assert.Empty((await archive.ListSessionsAsync(new SessionQuery(Q: "gone"), Ct)).Items);
        Assert.Equal(1, (await archive.GetSessionAsync(kept, Ct))!.TurnCount);

        // Nothing comes back either: the session activates again with nothing to rebuild.
        using var unknown = await service.Http.GetAsync($"/api/v1/sessions/{session}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Retention_deletes_expired_archived_turns_and_keeps_the_others()
    {
        await using var service = await StartAsync(settings: new Dictionary<string, string?> { ["Sessions:RetentionDays"] = "30" });
        var archive = service.Services.GetRequiredService<ITurnArchive>();
        var now = DateTimeOffset.UtcNow;
        ArchivedTurn Turn(string session, string id, TimeSpan age) =>
            new(session, null, id, "ada", "echo " + id, "echo", null, id, false, null, null, null, null, now - age);
        var old = NewId("old");
        var mixed = NewId("mixed");
        await archive.AppendAsync(Turn(old, "t1", TimeSpan.FromDays(45)), Ct);
        await archive.AppendAsync(Turn(mixed, "t1", TimeSpan.FromDays(31)), Ct);
        await archive.AppendAsync(Turn(mixed, "t2", TimeSpan.FromDays(29)), Ct);
        await archive.AppendAsync(Turn(mixed, "t3", TimeSpan.FromMinutes(1)), Ct);

        var grains = service.Services.GetRequiredService<IGrainFactory>();
        var retention = grains.GetGrain<IArchiveRetentionGrain>(IArchiveRetentionGrain.Key);
        await retention.PurgeExpiredAsync(); // what the hourly reminder does (its first run may even have come first)

        Assert.Null(await archive.GetSessionAsync(old, Ct));
        Assert.Equal(["t2", "t3"], (await archive.GetTurnsAsync(mixed, new TurnQuery(), Ct)).Items.Select(t => t.TurnId));
        Assert.Equal(2, (await archive.GetSessionAsync(mixed, Ct))!.TurnCount);

        // Scheduled at start: the cluster's one reminder, hourly.
        var reminder = await service.Services.GetRequiredService<IReminderTable>().ReadRow(retention.GetGrainId(), ArchiveRetentionGrain.ReminderName, Ct);
        Assert.NotNull(reminder);
        Assert.Equal(ArchiveRetentionGrain.Period, reminder!.Period);
    }

    [Fact]
    public async Task Without_session_retention_no_turn_is_deleted_and_the_reminder_only_expires_answer_audio()
    {
        await using var service = await StartAsync();
        var archive = service.Services.GetRequiredService<ITurnArchive>();
        var session = NewId("ancient");
        await archive.AppendAsync(new ArchivedTurn(session, null, "t1", "ada", "hello", "echo", null, "hello", false, null, null, null, null, DateTimeOffset.UtcNow.AddYears(-5)), Ct);

        var retention = service.Services.GetRequiredService<IGrainFactory>().GetGrain<IArchiveRetentionGrain>(IArchiveRetentionGrain.Key);
        Assert.Equal(0L, await retention.PurgeExpiredAsync());

        Assert.Equal(1, (await archive.GetSessionAsync(session, Ct))!.TurnCount);
        // Answer audio has a retention of its own (Archive:AnswerAudio:Retention): the hourly reminder stays for it.
        Assert.NotNull(await service.Services.GetRequiredService<IReminderTable>().ReadRow(retention.GetGrainId(), ArchiveRetentionGrain.ReminderName, Ct));
    }

    [Fact]
    public async Task Answer_audio_retention_deletes_answers_kept_longer_than_its_retention()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = Path.Combine(Path.GetDirectoryName(_archivePath)!, "retention-audio");
        var options = new AudioOrchestrator.Archive.AnswerAudio.AnswerAudioOptions { Retention = TimeSpan.FromHours(1), MinFreeDiskBytes = 0 };
        var store = new AudioOrchestrator.Archive.AnswerAudio.DirectoryAnswerAudioStore(
            directory, options, clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AudioOrchestrator.Archive.AnswerAudio.DirectoryAnswerAudioStore>.Instance);
        var wav = AudioOrchestrator.Audio.WavCodec.Encode(AudioOrchestrator.Testing.TestAudio.Tone(440, 100));
        Assert.True(await store.KeepAsync("s1", "old", wav, Ct));
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.True(await store.KeepAsync("s1", "new", wav, Ct));
        clock.Advance(TimeSpan.FromMinutes(20));

        var participant = new AnswerAudioRetention(store);
        Assert.True(participant.HasOwnRetention);
        Assert.Equal(1L, await participant.DeleteExpiredAsync(sessionCutoff: null, Ct));

        Assert.Null(await store.FindAsync("s1", "old", Ct));
        Assert.NotNull(await store.FindAsync("s1", "new", Ct));
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_archivePath))
        {
            Directory.Delete(_archivePath);
        }

        foreach (var file in new[] { _archivePath, _archivePath + "-wal", _archivePath + "-shm" })
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The real service on a given archive file (and optionally a language model), so a test can start it twice.</summary>
    private sealed class ServiceOnArchive(string archivePath, FakeOpenAiServer? model, IReadOnlyDictionary<string, string?>? extra) : ServiceFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> SettingsAsync()
        {
            var settings = new Dictionary<string, string?> { ["Archive:SqlitePath"] = archivePath };
            if (model is not null)
            {
                settings["Llm:Provider"] = "OpenAI";
                settings["Llm:Endpoint"] = model.BaseUrl.ToString();
                settings["Llm:Model"] = "fake-model";
            }

            foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            return Task.FromResult<IReadOnlyDictionary<string, string?>>(settings);
        }
    }
}
