using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// Answer audio kept where every node serves it (the embedded default: a directory beside the SQLite archive): a second
/// node (an ingress process of the same cluster, on the same archive) serves what the first kept and the other way round;
/// the archived turn references it; deleting the session leaves none of it.
/// </summary>
public sealed class AnswerAudioTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DirectoryAnswerAudioStore Store => Assert.IsType<DirectoryAnswerAudioStore>(service.Services.GetRequiredService<IAnswerAudioStore>());

    [Fact]
    public async Task An_answer_kept_by_one_node_is_served_by_another_and_listed_with_its_archived_turn()
    {
        await using var node = await AnswerAudioNode.StartAsync(service);
        var session = "audio-" + Guid.NewGuid().ToString("N")[..8];

        var onSilo = await SpeakAsync(service.Http, session, "echo hello world");
        var onIngress = await SpeakAsync(node.Http, session, "echo good night");

        Assert.Equal(Url(service.Http, session, onSilo.TurnId), onSilo.ResponseAudioUrl);
        Assert.Equal(Url(node.Http, session, onIngress.TurnId), onIngress.ResponseAudioUrl);
        var keptBySilo = await DownloadAsync(service.Http, onSilo.ResponseAudioUrl!);
        var keptByIngress = await DownloadAsync(node.Http, onIngress.ResponseAudioUrl!);
        Assert.Equal(keptBySilo, await DownloadAsync(node.Http, Url(node.Http, session, onSilo.TurnId)));
        Assert.Equal(keptByIngress, await DownloadAsync(service.Http, Url(service.Http, session, onIngress.TurnId)));
        Assert.NotEqual(keptBySilo, keptByIngress);

        // The archive references both answers; each node lists them with a download address on itself.
        var turns = await ArchivedTurnsAsync(service.Http, session, 2);
        Assert.Equal(
            [(onSilo.TurnId, $"answer-audio/{session}/{onSilo.TurnId}", Url(service.Http, session, onSilo.TurnId)),
             (onIngress.TurnId, $"answer-audio/{session}/{onIngress.TurnId}", Url(service.Http, session, onIngress.TurnId))],
            turns.Select(t => (t.GetProperty("turnId").GetString(), t.GetProperty("answerAudioRef").GetString(), t.GetProperty("responseAudioUrl").GetString())));
        var throughIngress = await ArchivedTurnsAsync(node.Http, session, 2);
        Assert.Equal(Url(node.Http, session, onSilo.TurnId), throughIngress[0].GetProperty("responseAudioUrl").GetString());
    }

    [Fact]
    public async Task A_turn_answered_without_speech_has_no_audio_reference_or_address()
    {
        var session = "quiet-" + Guid.NewGuid().ToString("N")[..8];
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text = "echo shh", speak = false }, Ct);
        var answer = (await response.Content.ReadFromJsonAsync<TextMessageResponse>(Ct))!;

        Assert.Null(answer.ResponseAudioUrl);
        var turn = Assert.Single(await ArchivedTurnsAsync(service.Http, session, 1));
        Assert.Equal(JsonValueKind.Null, turn.GetProperty("answerAudioRef").ValueKind);
        Assert.False(turn.TryGetProperty("responseAudioUrl", out _));
        using var audio = await service.Http.GetAsync($"/api/v1/sessions/{session}/turns/{answer.TurnId}/audio", Ct);
        Assert.Equal(HttpStatusCode.NotFound, audio.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_session_deletes_its_answer_audio_and_leaves_nothing_of_it()
    {
        var session = "forget-" + Guid.NewGuid().ToString("N")[..8];
        var other = "keep-" + Guid.NewGuid().ToString("N")[..8];
        var first = await SpeakAsync(service.Http, session, "echo one");
        await SpeakAsync(service.Http, session, "echo two");
        var kept = await SpeakAsync(service.Http, other, "echo three");
        await ArchivedTurnsAsync(service.Http, session, 2);
        var directory = Path.Combine(Store.Root, AnswerAudioKey.FileName(session));
        Assert.Equal(2, Directory.GetFiles(directory).Length);

        using (var deleted = await service.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.False(Directory.Exists(directory));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Store.Root), e => Path.GetFileName(e).Contains(session, StringComparison.Ordinal));
        using (var audio = await service.Http.GetAsync(new Uri(first.ResponseAudioUrl!), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, audio.StatusCode);
        }

        Assert.Empty(await ArchivedTurnsAsync(service.Http, session, 0));
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri(kept.ResponseAudioUrl!), Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/sessions/bad%20session/turns/t1/audio", HttpStatusCode.BadRequest, "Invalid identifier")]
    [InlineData("/api/v1/sessions/s1/turns/bad%2Fturn/audio", HttpStatusCode.BadRequest, "Invalid identifier")]
    [InlineData("/api/v1/sessions/never-seen/turns/t1/audio", HttpStatusCode.NotFound, "Unknown answer audio")]
    public async Task Bad_or_unknown_ids_are_problem_details(string path, HttpStatusCode status, string title)
    {
        using var response = await service.Http.GetAsync(path, Ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_damaged_answer_file_is_404_and_logged()
    {
        var session = "damaged-" + Guid.NewGuid().ToString("N")[..8];
        var answer = await SpeakAsync(service.Http, session, "echo broken");
        var file = Path.Combine(Store.Root, AnswerAudioKey.FileName(session), AnswerAudioKey.FileName(answer.TurnId) + ".wav");
        var keptAt = File.GetLastWriteTimeUtc(file);
        await File.WriteAllTextAsync(file, "this is not audio", Ct);
        File.SetLastWriteTimeUtc(file, keptAt);

        using var response = await service.Http.GetAsync(new Uri(answer.ResponseAudioUrl!), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(service.Logs.Lines, l => l.Contains(answer.TurnId, StringComparison.Ordinal) && l.Contains("unreadable", StringComparison.Ordinal));
    }

    internal static async Task<TextMessageResponse> SpeakAsync(HttpClient http, string session, string text)
    {
        using var response = await http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speak = true }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<TextMessageResponse>(Ct))!;
        Assert.NotNull(answer.ResponseAudioUrl);
        return answer;
    }

    internal static async Task<byte[]> DownloadAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(new Uri(url), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var wav = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.True(WavHeader.IsWhole(wav) && wav.Length > 1000, $"{wav.Length} bytes of WAV");
        return wav;
    }

    internal static string Url(HttpClient http, string session, string turnId) =>
        $"{http.BaseAddress!.ToString().TrimEnd('/')}/api/v1/sessions/{session}/turns/{turnId}/audio";

    /// <summary>The session's archived turns, once there are <paramref name="count"/> (appended off the turn's path).</summary>
    internal static async Task<JsonElement[]> ArchivedTurnsAsync(HttpClient http, string session, int count)
    {
        JsonElement[] items = [];
        await TestWait.UntilAsync(
            async () =>
            {
                var page = await http.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}/turns", Ct);
                items = [.. page.GetProperty("items").EnumerateArray()];
                return items.Length == count;
            },
            $"{count} archived turns of {session}");
        return items;
    }
}

/// <summary>A second node: an ingress process (<c>Cluster:Role=Ingress</c>) of the fixture's cluster, on the fixture's archive.</summary>
internal sealed class AnswerAudioNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AnswerAudioNode(WebApplication app, HttpClient http)
    {
        _app = app;
        Http = http;
    }

    public HttpClient Http { get; }

    public static async Task<AnswerAudioNode> StartAsync(ServiceFixture service, IReadOnlyDictionary<string, string?>? archive = null)
    {
        var configuration = service.Services.GetRequiredService<IConfiguration>();
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:Role"] = "Ingress",
            ["Cluster:GatewayPort"] = configuration["Cluster:GatewayPort"],
            ["Archive:Store"] = configuration["Archive:Store"],
            ["Archive:SqlitePath"] = service.ArchivePath,
            ["Archive:ConnectionString"] = configuration["Archive:ConnectionString"],
        };
        foreach (var (key, value) in archive ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AnswerAudioNode(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>The real service with its archive, and so its answer audio, in PostgreSQL (a fresh database).</summary>
public sealed class PostgresArchiveServiceFixture : ServiceFixture
{
    private PostgresTestDatabase? _database;

    public PostgresTestDatabase Database => _database ?? throw new InvalidOperationException("Not started.");

    protected override async Task<IReadOnlyDictionary<string, string?>> SettingsAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync(CancellationToken.None, pooling: true);
        return new Dictionary<string, string?>
        {
            ["Archive:Store"] = "Postgres",
            ["Archive:ConnectionString"] = _database.ConnectionString,
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>Answer audio in the PostgreSQL archive: served by another node, and deleted with its session.</summary>
public sealed class PostgresAnswerAudioTests(PostgresArchiveServiceFixture service) : IClassFixture<PostgresArchiveServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_answer_kept_in_the_database_is_served_by_another_node_and_deleted_with_its_session()
    {
        Assert.IsType<PostgresAnswerAudioStore>(service.Services.GetRequiredService<IAnswerAudioStore>());
        await using var node = await AnswerAudioNode.StartAsync(service);
        var session = "pg-audio-" + Guid.NewGuid().ToString("N")[..8];
        var other = "pg-keep-" + Guid.NewGuid().ToString("N")[..8];

        var answer = await AnswerAudioTests.SpeakAsync(node.Http, session, "echo hello world");
        await AnswerAudioTests.SpeakAsync(service.Http, other, "echo stay");
        var kept = await AnswerAudioTests.DownloadAsync(node.Http, answer.ResponseAudioUrl!);
        Assert.Equal(kept, await AnswerAudioTests.DownloadAsync(service.Http, AnswerAudioTests.Url(service.Http, session, answer.TurnId)));
        var turn = Assert.Single(await AnswerAudioTests.ArchivedTurnsAsync(service.Http, session, 1));
        Assert.Equal(AnswerAudioTests.Url(service.Http, session, answer.TurnId), turn.GetProperty("responseAudioUrl").GetString());
        Assert.Equal(1L, await Rows(session));

        using (var deleted = await node.Http.DeleteAsync($"/api/v1/sessions/{session}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0L, await Rows(session));
        Assert.Equal(0L, await service.Database.ScalarAsync<long>("SELECT count(*) FROM archive_turns WHERE session_id = @s", ("s", session)));
        Assert.Equal(1L, await Rows(other));
        using var gone = await service.Http.GetAsync(new Uri(AnswerAudioTests.Url(service.Http, session, answer.TurnId)), Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private async Task<long> Rows(string session) =>
        await service.Database.ScalarAsync<long>("SELECT count(*) FROM archive_answer_audio WHERE session_id = @s", ("s", session));
}
