using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// <c>GET /api/v1/sessions/{id}/events</c> and <c>/transcript</c> against the real service, read by real HTTP clients over
/// the loopback socket.
/// </summary>
public sealed class SessionEventTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewSession(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> SayAsync(string session, string text, string speaker = "ana")
    {
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speaker, speak = false }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("turnId").GetString()!;
    }

    private async Task<JsonElement> ArchivedTurnsAsync(string session, int count)
    {
        JsonElement items = default;
        await TestWait.UntilAsync(
            async () =>
            {
                items = (await service.Http.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}/turns", Ct)).GetProperty("items");
                return items.GetArrayLength() == count;
            },
            $"{count} archived turns of {session}");
        return items;
    }

    [Fact]
    public async Task A_text_turn_streams_transcript_answer_text_completion_and_the_committed_turn_in_order()
    {
        var session = NewSession("events");
        await using var events = await EventReader.OpenAsync(service.Http, session);

        var turnId = await SayAsync(session, "echo hello there");
        var turn = await events.WaitForAsync("turn");

        var names = events.Items.Select(e => e.EventType).ToArray();
        Assert.Equal("answerStarted", names[0]);
        Assert.Equal(["answerCompleted", "turn"], names[^2..]);
        Assert.All(names[1..^2], n => Assert.Equal("answerDelta", n));
        var started = events.Data(0);
        Assert.Equal((turnId, "ana", "echo hello there", "echo", "phrase"), (
            started.GetProperty("turnId").GetString(), started.GetProperty("speakerId").GetString(), started.GetProperty("transcript").GetString(),
            started.GetProperty("agent").GetString(), started.GetProperty("route").GetProperty("reason").GetString()));
        Assert.Equal("hello there", string.Concat(events.Items.Where(e => e.EventType == "answerDelta").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString())));
        var completed = events.Data(names.Length - 2);
        Assert.Equal("hello there", completed.GetProperty("responseText").GetString());
        Assert.True(completed.GetProperty("timings").TryGetProperty("agentMs", out _));
        Assert.EndsWith("." + turnId, turn.EventId, StringComparison.Ordinal);

        // The live turn is the archive's item, field for field.
        var archived = (await ArchivedTurnsAsync(session, 1))[0];
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(archived.GetRawText()), JsonNode.Parse(turn.Data)), $"archive {archived.GetRawText()}\nlive {turn.Data}");
    }

    [Fact]
    public async Task A_spoken_upload_streams_speech_started_then_its_turn_then_input_completed()
    {
        var session = NewSession("spoken");
        await using var events = await EventReader.OpenAsync(service.Http, session);

        using var content = new ByteArrayContent(await EspeakCli.SayAsync("what time is it", Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var response = await service.Http.PostAsync($"/api/v1/sessions/{session}/utterances?speakerId=ana", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await events.WaitForAsync("inputCompleted");
        await events.WaitForAsync("turn");

        // The speaker announces the end of its input once the utterance is queued: it may come before the answer's end.
        var names = events.Items.Select(e => e.EventType).Where(n => n is not "answerDelta" and not "inputCompleted").ToArray();
        Assert.Equal(["speechStarted", "answerStarted", "answerCompleted", "turn"], names);
        Assert.Equal("speechStarted", events.Items[0].EventType);
        var speech = events.Data(0);
        var started = JsonDocument.Parse(events.Items.First(e => e.EventType == "answerStarted").Data).RootElement;
        Assert.Equal(("ana", started.GetProperty("correlationId").GetString()), (speech.GetProperty("speakerId").GetString(), speech.GetProperty("correlationId").GetString()));
        Assert.NotNull(started.GetProperty("correlationId").GetString());
        Assert.Equal(1, JsonDocument.Parse(events.Items.Single(e => e.EventType == "inputCompleted").Data).RootElement.GetProperty("turnCount").GetInt32());
    }

    [Fact]
    public async Task Reconnecting_with_last_event_id_replays_the_missed_turns_once_then_goes_live()
    {
        var session = NewSession("resume");
        string lastId;
        await using (var first = await EventReader.OpenAsync(service.Http, session))
        {
            await SayAsync(session, "echo one");
            lastId = (await first.WaitForAsync("turn")).EventId!;
        }

        var missed = new[] { await SayAsync(session, "echo two"), await SayAsync(session, "echo three") };
        await using var resumed = await EventReader.OpenAsync(service.Http, session, lastId);
        var live = await SayAsync(session, "echo four");
        await resumed.WaitForAsync("turn", e => e.Data.Contains(live, StringComparison.Ordinal));

        var turns = resumed.Items.Where(e => e.EventType == "turn").ToArray();
        Assert.Equal([.. missed, live], turns.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("turnId").GetString()));
        Assert.Equal(turns.Length, turns.Select(e => e.EventId).Distinct().Count());

        // Resuming after the newest turn (archived by now) replays nothing.
        await ArchivedTurnsAsync(session, 4);
        await using var current = await EventReader.OpenAsync(service.Http, session, turns[^1].EventId);
        var next = await SayAsync(session, "echo five");
        await current.WaitForAsync("turn");
        Assert.Equal([next], current.Items.Where(e => e.EventType == "turn").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("turnId").GetString()));
    }

    [Fact]
    public async Task A_client_that_stops_reading_does_not_hold_up_the_session_or_other_clients()
    {
        var session = NewSession("slow");
        using var stalledClient = new HttpClient { BaseAddress = service.Http.BaseAddress };
        using var stalled = await stalledClient.GetAsync($"/api/v1/sessions/{session}/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, stalled.StatusCode); // and never read
        await using var reading = await EventReader.OpenAsync(service.Http, session);

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await SayAsync(session, $"echo {new string('x', 2000)} {i}"));
        }

        await reading.WaitForAsync("turn", e => e.Data.Contains(ids[^1], StringComparison.Ordinal));
        Assert.Equal(ids, reading.Items.Where(e => e.EventType == "turn").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("turnId").GetString()));
    }

    [Theory]
    [InlineData("/api/v1/sessions/bad%20id/events", null, "Invalid session id")]
    [InlineData("/api/v1/sessions/good-id/events", "not-an-id", "Invalid Last-Event-ID")]
    [InlineData("/api/v1/sessions/good-id/events?lastEventId=12.bad%20turn", null, "Invalid Last-Event-ID")]
    [InlineData("/api/v1/sessions/bad%20id/transcript", null, "Invalid session id")]
    [InlineData("/api/v1/sessions/good-id/transcript?format=xml", null, "Invalid format")]
    public async Task Bad_ids_and_formats_are_400_with_a_problem_body(string path, string? lastEventId, string title)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await service.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_transcript_is_markdown_or_json_by_accept_or_format_and_406_or_404_otherwise()
    {
        var session = NewSession("minutes");
        await SayAsync(session, "echo good morning", "ana");
        await SayAsync(session, "echo good night", "bob");
        await ArchivedTurnsAsync(session, 2);

        async Task<HttpResponseMessage> GetAsync(string path, string? accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }

            return await service.Http.SendAsync(request, Ct);
        }

        using var markdown = await GetAsync($"/api/v1/sessions/{session}/transcript", "text/markdown");
        using var json = await GetAsync($"/api/v1/sessions/{session}/transcript", null);
        using var overridden = await GetAsync($"/api/v1/sessions/{session}/transcript?format=markdown", "application/json");
        using var refused = await GetAsync($"/api/v1/sessions/{session}/transcript", "image/png");
        using var unknown = await GetAsync($"/api/v1/sessions/{NewSession("nobody")}/transcript", null);

        Assert.Equal((HttpStatusCode.OK, "text/markdown"), (markdown.StatusCode, markdown.Content.Headers.ContentType?.MediaType));
        var minutes = await markdown.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith($"# Session `{session}`\n\n## ", minutes, StringComparison.Ordinal);
        Assert.True(minutes.Contains(" UTC · `ana` (text)\n\n> echo good morning\n\n**echo** (phrase: echo {text}): good morning\n\n", StringComparison.Ordinal), minutes);
        Assert.True(minutes.IndexOf("good morning", StringComparison.Ordinal) < minutes.IndexOf("good night", StringComparison.Ordinal));
        Assert.Equal((HttpStatusCode.OK, "application/json"), (json.StatusCode, json.Content.Headers.ContentType?.MediaType));
        var body = await json.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(session, body.GetProperty("sessionId").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("guildId").ValueKind);
        Assert.Equal(["ana", "bob"], body.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("speakerId").GetString()));
        Assert.Equal(minutes, await overridden.Content.ReadAsStringAsync(Ct));
        Assert.Equal((HttpStatusCode.NotAcceptable, "application/problem+json"), (refused.StatusCode, refused.Content.Headers.ContentType?.MediaType));
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (unknown.StatusCode, unknown.Content.Headers.ContentType?.MediaType));
    }

    [Fact]
    public async Task A_long_transcript_is_read_page_by_page_in_order()
    {
        var session = NewSession("long");
        var archive = service.Services.GetRequiredService<ITurnArchive>();
        var t0 = DateTimeOffset.UtcNow.AddDays(-1);
        var count = ArchiveLimits.MaxLimit * 2 + 7;
        for (var i = 0; i < count; i++)
        {
            await archive.AppendAsync(new ArchivedTurn(session, "guild-1", $"t{i:D4}", "ana", $"question {i}", "echo", null, $"answer {i}", false, null, null, null, null, t0.AddSeconds(i)), Ct);
        }

        var body = await service.Http.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{session}/transcript", Ct);

        Assert.Equal("guild-1", body.GetProperty("guildId").GetString());
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"t{i:D4}"), body.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("turnId").GetString()));
    }

    [Fact]
    public async Task The_openapi_document_describes_both_endpoints_with_examples()
    {
        var paths = (await service.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct)).GetProperty("paths");

        var events = paths.GetProperty("/api/v1/sessions/{sessionId}/events").GetProperty("get");
        Assert.Contains("event: answerStarted", events.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/event-stream").GetProperty("example").GetString(), StringComparison.Ordinal);
        Assert.True(events.GetProperty("responses").TryGetProperty("400", out _));
        var transcript = paths.GetProperty("/api/v1/sessions/{sessionId}/transcript").GetProperty("get").GetProperty("responses");
        var content = transcript.GetProperty("200").GetProperty("content");
        Assert.Equal("string", content.GetProperty("text/markdown").GetProperty("schema").GetProperty("type").GetString());
        Assert.StartsWith("# Session", content.GetProperty("text/markdown").GetProperty("example").GetString(), StringComparison.Ordinal);
        Assert.Equal("my-session", content.GetProperty("application/json").GetProperty("example").GetProperty("sessionId").GetString());
        Assert.All(["400", "404", "406"], code => Assert.True(transcript.TryGetProperty(code, out _), code));
        var listed = paths.GetProperty("/api/v1/sessions").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json");
        Assert.Equal("my-session", listed.GetProperty("example").GetProperty("items")[0].GetProperty("sessionId").GetString());
    }

    /// <summary>A client of the events stream: reads it over the socket in the background.</summary>
    private sealed class EventReader : IAsyncDisposable
    {
        private readonly ConcurrentQueue<SseItem<string>> _items = new();
        private readonly HttpResponseMessage _response;
        private readonly CancellationTokenSource _stop;
        private readonly Task _reading;

        private EventReader(HttpResponseMessage response, Stream body, CancellationTokenSource stop)
        {
            _response = response;
            _stop = stop;
            _reading = Task.Run(async () =>
            {
                await foreach (var item in SseParser.Create(body).EnumerateAsync(stop.Token))
                {
                    _items.Enqueue(item);
                }
            });
        }

        public IReadOnlyList<SseItem<string>> Items => [.. _items];

        /// <summary>Opens the stream: once the headers are in, the service is listening to the session.</summary>
        public static async Task<EventReader> OpenAsync(HttpClient http, string session, string? lastEventId = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sessions/{session}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            return new EventReader(response, await response.Content.ReadAsStreamAsync(Ct), stop);
        }

        public JsonElement Data(int index) => JsonDocument.Parse(Items[index].Data).RootElement;

        public Task<SseItem<string>> WaitForAsync(string eventType, Func<SseItem<string>, bool>? predicate = null) =>
            TestWait.ForAsync(
                () => Task.FromResult(_items.FirstOrDefault(e => e.EventType == eventType && (predicate?.Invoke(e) ?? true))),
                e => e.EventType == eventType,
                $"a {eventType} event (got {string.Join(", ", _items.Select(e => e.EventType))})");

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _response.Dispose();
            try
            {
                await _reading;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
            {
            }

            _stop.Dispose();
        }
    }
}
