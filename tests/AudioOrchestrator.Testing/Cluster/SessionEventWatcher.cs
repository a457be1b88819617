using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AudioOrchestrator.Testing.Cluster;

/// <summary>
/// Follows one session's events (<c>GET /api/v1/sessions/{id}/events</c>, Server-Sent Events) as a console does: keeps
/// the turn ids of <c>answerStarted</c> and <c>answerCompleted</c>, and reconnects with <c>Last-Event-ID</c> when the
/// stream ends.
/// </summary>
public sealed class SessionEventWatcher : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _completed = new(StringComparer.Ordinal);
    private string? _lastEventId;
    private int _connected;

    public SessionEventWatcher(HttpClient http, string sessionId)
    {
        _http = http;
        SessionId = sessionId;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public string SessionId { get; }

    /// <summary>Whether the stream is open (its <c>: connected</c> comment came).</summary>
    public bool Connected => Volatile.Read(ref _connected) == 1;

    /// <summary>Turns whose answer started (<c>answerStarted</c>).</summary>
    public IReadOnlyCollection<string> Started => [.. _started.Keys];

    /// <summary>Turns the client was told were answered (<c>answerCompleted</c>).</summary>
    public IReadOnlyCollection<string> Completed => [.. _completed.Keys];

    /// <summary>When (UTC) the <c>answerStarted</c> of a turn arrived (null: it did not).</summary>
    public DateTimeOffset? StartedAt(string turnId) => _started.TryGetValue(turnId, out var at) ? at : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ReadOnceAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
            {
                // The stream broke: reconnect.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Volatile.Write(ref _connected, 0);
            try
            {
                await Task.Delay(200, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadOnceAsync(CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/sessions/{SessionId}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (_lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(stop).ConfigureAwait(false);
        using var reader = new StreamReader(body);
        string? name = null;
        string? id = null;
        while (await reader.ReadLineAsync(stop).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith(": connected", StringComparison.Ordinal))
            {
                Volatile.Write(ref _connected, 1);
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                id = line[3..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                Record(name, line[5..]);
            }
            else if (line.Length == 0)
            {
                _lastEventId = id ?? _lastEventId;
                (name, id) = (null, null);
            }
        }
    }

    private void Record(string? name, string data)
    {
        if (name is not ("answerStarted" or "answerCompleted"))
        {
            return;
        }

        using var json = JsonDocument.Parse(data);
        if (json.RootElement.TryGetProperty("turnId", out var turnId) && turnId.GetString() is { } turn)
        {
            (name == "answerStarted" ? _started : _completed).TryAdd(turn, DateTimeOffset.UtcNow);
        }
    }
}
