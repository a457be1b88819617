using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Testing.Cluster;

/// <summary>One upload as its client saw it: when it was sent and answered (seconds on the load's clock), and the turns a 200 told about.</summary>
public sealed record UploadOutcome(string SessionId, double StartedS, double EndedS, int Status, IReadOnlyList<string> TurnIds)
{
    public bool Answered => Status == 200 && TurnIds.Count > 0;
}

/// <summary>
/// Clients of the ingress: each session posts a spoken question (<c>POST /api/v1/sessions/{id}/utterances</c>) after the
/// other, and a console follows its events (<see cref="SessionEventWatcher"/>). Every outcome is kept, with its time.
/// </summary>
public sealed class UploadLoad : IAsyncDisposable
{
    private static readonly byte[] Question = WavCodec.Encode(TestAudio.Question(440));
    private readonly HttpClient _http;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<UploadOutcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private readonly List<SessionEventWatcher> _watchers = [];

    public UploadLoad(HttpClient http, int sessions, TimeSpan requestTimeout)
    {
        _http = http;
        var prefix = Guid.NewGuid().ToString("N")[..6];
        SessionIds = [.. Enumerable.Range(1, sessions).Select(i => $"failover-{prefix}-{i}")];
        RequestTimeout = requestTimeout;
    }

    public IReadOnlyList<string> SessionIds { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>Seconds since the load was created (the clock of every outcome).</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public IReadOnlyList<UploadOutcome> Outcomes => [.. _outcomes];

    public IReadOnlyList<SessionEventWatcher> Watchers => _watchers;

    /// <summary>Opens the event streams and starts posting (each session one upload at a time).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var session in SessionIds)
        {
            _watchers.Add(new SessionEventWatcher(_http, session));
        }

        await TestWait.UntilAsync(() => _watchers.All(w => w.Connected), "every session's event stream to open", TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        foreach (var session in SessionIds)
        {
            _workers.Add(Task.Run(() => PostLoopAsync(session, _stop.Token), CancellationToken.None));
        }
    }

    /// <summary>Stops posting, after the uploads in flight are answered or time out.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Whether every session had an answered upload that was sent after <paramref name="sinceS"/>.</summary>
    public bool EverySessionAnsweredSince(double sinceS, int count = 1) =>
        SessionIds.All(s => Outcomes.Count(o => o.SessionId == s && o.Answered && o.StartedS >= sinceS) >= count);

    /// <summary>
    /// For each session, seconds from <paramref name="sinceS"/> to the end of its first answered upload sent after it
    /// (null for a session not answered since).
    /// </summary>
    public IReadOnlyDictionary<string, double?> AnsweredAgainAfter(double sinceS) => SessionIds.ToDictionary(
        s => s,
        s => Outcomes.Where(o => o.SessionId == s && o.Answered && o.StartedS >= sinceS).Select(o => (double?)(o.EndedS - sinceS)).Min(),
        StringComparer.Ordinal);

    /// <summary>Every turn a client was told about: in a 200 answer to an upload, or an <c>answerCompleted</c> event.</summary>
    public IReadOnlyDictionary<string, HashSet<string>> ToldTurns()
    {
        var told = SessionIds.ToDictionary(s => s, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var outcome in Outcomes.Where(o => o.Status == 200))
        {
            told[outcome.SessionId].UnionWith(outcome.TurnIds);
        }

        foreach (var watcher in _watchers)
        {
            told[watcher.SessionId].UnionWith(watcher.Completed);
        }

        return told;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (var watcher in _watchers)
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task PostLoopAsync(string sessionId, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var outcome = await PostAsync(sessionId).ConfigureAwait(false);
            _outcomes.Enqueue(outcome);
            if (!outcome.Answered)
            {
                try
                {
                    await Task.Delay(250, stop).ConfigureAwait(false); // a failed upload is retried, not hammered
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One upload, bounded by <see cref="RequestTimeout"/> (not by the stop: an upload in flight is answered).</summary>
    private async Task<UploadOutcome> PostAsync(string sessionId)
    {
        var started = Now;
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(Question);
            content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            using var response = await _http.PostAsync($"api/v1/sessions/{sessionId}/utterances", content, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return new UploadOutcome(sessionId, started, Now, (int)response.StatusCode, response.StatusCode == HttpStatusCode.OK ? TurnIdsOf(body) : []);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return new UploadOutcome(sessionId, started, Now, 0, []);
        }
    }

    private static List<string> TurnIdsOf(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("turns", out var turns)
            ? [.. turns.EnumerateArray().Select(t => t.GetProperty("turnId").GetString()!)]
            : [];
    }
}
