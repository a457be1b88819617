using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Bench;

/// <summary>Per-turn milliseconds of the text turn measurements, taken side by side.</summary>
/// <param name="FirstDelta">HTTP request sent to the first Server-Sent <c>delta</c> read.</param>
/// <param name="JsonAnswer">HTTP request sent to the whole JSON answer read.</param>
/// <param name="InCluster">The same turn asked in-process (<see cref="TextTurnSender"/>, no HTTP) to its first delta.</param>
/// <param name="HttpRoundTrip">A plain HTTP round trip to the same server (<c>GET /health/live</c>).</param>
/// <param name="NewSessionFirstDelta">The first message of a new session to its first delta (the session's grain is activated and its state read first).</param>
public sealed record TextTurnFigures(List<double> FirstDelta, List<double> JsonAnswer, List<double> InCluster, List<double> HttpRoundTrip, List<double> NewSessionFirstDelta);

/// <summary>
/// Text turns over real HTTP on loopback with an instant agent (echo) and nothing spoken: each round measures a streamed
/// answer, a JSON answer, the turn without HTTP and a plain HTTP round trip, so the four are compared under the same load.
/// </summary>
public sealed class TextTurnProbe(WebApplication app) : IDisposable
{
    private const int WarmupRounds = 50;
    private const int SessionTurns = 20; // a conversation's length: then the next session starts
    private readonly HttpClient _http = new() { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
    private readonly TextTurnSender _sender = app.Services.GetRequiredService<TextTurnSender>();

    public async Task<TextTurnFigures> MeasureAsync(int turns, CancellationToken cancellationToken)
    {
        var figures = new TextTurnFigures([], [], [], [], []);
        for (var i = -WarmupRounds; i < turns; i++)
        {
            var session = $"text-bench-{(i + WarmupRounds) / SessionTurns}";
            if ((i + WarmupRounds) % SessionTurns == 0)
            {
                var opening = await FirstDeltaAsync(session, cancellationToken);
                if (i >= 0)
                {
                    figures.NewSessionFirstDelta.Add(opening);
                }
            }

            var firstDelta = await FirstDeltaAsync(session, cancellationToken);
            var json = await JsonAnswerAsync(session, cancellationToken);
            var inCluster = await InClusterAsync(session, cancellationToken);
            var roundTrip = await HttpRoundTripAsync(cancellationToken);
            if (i >= 0)
            {
                figures.FirstDelta.Add(firstDelta);
                figures.JsonAnswer.Add(json);
                figures.InCluster.Add(inCluster);
                figures.HttpRoundTrip.Add(roundTrip);
            }
        }

        return figures;
    }

    private async Task<double> FirstDeltaAsync(string session, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/sessions/{session}/messages")
        {
            Content = Question(), // with a Content-Length, as curl and browsers send it
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        double? firstDelta = null;
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            if (item.EventType == TextAnswerEvents.Delta && firstDelta is null)
            {
                firstDelta = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return firstDelta ?? throw new InvalidOperationException("The answer streamed no delta.");
    }

    private async Task<double> JsonAnswerAsync(string session, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = Question();
        using var response = await _http.PostAsync($"/api/v1/sessions/{session}/messages", content, cancellationToken);
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static StringContent Question() => new("{\"text\":\"echo hello world\"}", System.Text.Encoding.UTF8, "application/json");

    private async Task<double> InClusterAsync(string session, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        double? first = null;
        var question = new TextQuestion(session, "rest", "echo hello world", Speak: false, Guid.NewGuid().ToString("N"));
        await foreach (var item in _sender.AskAsync(question, TimeSpan.FromSeconds(30), cancellationToken))
        {
            if (item is AnswerDelta && first is null)
            {
                first = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return first ?? throw new InvalidOperationException("The answer had no delta.");
    }

    private async Task<double> HttpRoundTripAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await _http.GetAsync("/health/live", cancellationToken);
        _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    public void Dispose() => _http.Dispose();
}
