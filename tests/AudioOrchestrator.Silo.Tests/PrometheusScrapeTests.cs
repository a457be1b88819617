using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Silo.Security;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.Cluster;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// A real Prometheus scrapes the running service's <c>/metrics</c> (with an admin API key, every 3 s) while it answers
/// a spoken upload and text messages with spoken answers; PromQL then finds every operator metric name of the plan
/// (docs/operations.md) and the capacity gauges. The service runs as its own OS process, as operators run it: in this
/// test process other hosts come and go, and OpenTelemetry's meter provider listens to every meter of a name in the
/// process, so a disposed host's meters would take the same-named series out of this host's export.
/// </summary>
public sealed class PrometheusScrapeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly string[] Histograms =
        ["end_to_end_response_latency_seconds", "transcription_latency_seconds", "agent_execution_latency_seconds", "tts_synthesis_latency_seconds"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_scraping_the_service_finds_the_operator_metric_names()
    {
        const string adminKey = "prometheus-test-admin-key";
        var archive = Path.Combine(Path.GetTempPath(), "ao-archive-" + Guid.NewGuid().ToString("N")[..12] + ".db");
        var model = await EspeakVoiceEnrolment.GetModelAsync(Ct);
        await using var service = await ServiceProcess.StartOnFreePortsAsync(
            new Dictionary<string, string>
            {
                ["Speech__PocketSphinx__AcousticModelPath"] = model,
                ["Archive__SqlitePath"] = archive,
                ["Auth__ApiKeys__0__Name"] = "prometheus",
                ["Auth__ApiKeys__0__KeySha256"] = ApiKeyHash.HexOf(adminKey),
                ["Auth__ApiKeys__0__Scopes__0"] = ApiScopes.Admin,
            },
            TimeSpan.FromSeconds(90),
            Ct);
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        try
        {
            await ScrapedAsync(http, service.BaseAddress, adminKey);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}\nThe service said:\n{service.RecentOutput}", ex);
        }
        finally
        {
            await service.TerminateAsync(TimeSpan.FromSeconds(30));
            TestArchive.Delete(archive);
        }
    }

    private static async Task ScrapedAsync(HttpClient http, Uri target, string adminKey)
    {
        await using var prometheus = await PrometheusProcess.StartAsync(target, adminKey, Ct);

        // The target is up: the scrape itself is authorised (admin scope) and parsed.
        await UntilAsync(prometheus, "up{job=\"audio-orchestrator\"} == 1", "Prometheus to scrape /metrics with the admin key");

        // Two rounds of turns, the second once the first is in Prometheus: rate() needs the histograms to grow while it watches.
        var session = "prom-" + Guid.NewGuid().ToString("N")[..8];
        await TurnsAsync(http, session);
        foreach (var histogram in Histograms)
        {
            await UntilAsync(prometheus, $"sum({histogram}_count) > 0", "the first round of turns to be scraped");
        }

        await TurnsAsync(http, session);

        string[] present =
        [
            "sum(audio_chunks_processed_total) > 0",
            "sum(agent_invocations_total{agent_name=\"echo\"}) > 0",
            "sum(agent_invocations_total{agent_name=\"time\"}) > 0",
            "sum(transcription_latency_seconds_count) > 0",
            "sum(agent_execution_latency_seconds_count{agent_name=\"echo\"}) > 0",
            "sum(tts_synthesis_latency_seconds_count) > 0",
            "sum(end_to_end_response_latency_seconds_count) >= 4",
            "count(end_to_end_response_latency_seconds_bucket{le=\"0.005\"}) > 0", // the voice latency buckets, 5 ms ...
            "count(end_to_end_response_latency_seconds_bucket{le=~\"30(\\\\.0)?\"}) > 0", // ... to 30 s (OpenMetrics writes 30.0)
            "active_speakers >= 1",
            "active_sessions >= 1",
            "audioorchestrator_turns_total > 0", // today's names are still exported
        ];
        foreach (var promql in present)
        {
            await UntilAsync(prometheus, promql, promql);
        }

        foreach (var histogram in Histograms)
        {
            var p99 = $"histogram_quantile(0.99, sum by (le) (rate({histogram}_bucket[1m])))";
            var value = await TestWait.ForAsync(
                () => prometheus.QueryAsync(p99, Ct),
                samples => samples.Count == 1 && double.IsFinite(samples[0].Value),
                p99 + " to be a number",
                Patience);
            Assert.InRange(value[0].Value, 0, 30);
        }
    }

    private static async Task TurnsAsync(HttpClient http, string session)
    {
        foreach (var text in new[] { "echo hello there", "echo metrics please" })
        {
            using var response = await http.PostAsJsonAsync($"/api/v1/sessions/{session}/messages", new { text, speak = true }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = (await response.Content.ReadFromJsonAsync<TextMessageResponse>(Ct))!;
            Assert.Equal("echo", answer.Agent);
            Assert.NotNull(answer.ResponseAudioUrl);
        }

        using var content = new ByteArrayContent(await EspeakCli.SayAsync("what time is it", Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var upload = await http.PostAsync($"/api/v1/sessions/{session}/utterances", content, Ct);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var heard = (await upload.Content.ReadFromJsonAsync<UtteranceResponse>(Ct))!;
        Assert.Equal("time", heard.Agent);
    }

    private static async Task UntilAsync(PrometheusProcess prometheus, string promql, string what)
    {
        try
        {
            await TestWait.UntilAsync(async () => (await prometheus.QueryAsync(promql, Ct)).Count > 0, what + $" ({promql})", Patience);
        }
        catch (TimeoutException ex)
        {
            // A failed scrape (e.g. slower than scrape_timeout on a busy machine) marks every series stale: say so.
            var up = await prometheus.QueryAsync("up", Ct);
            var duration = await prometheus.QueryAsync("scrape_duration_seconds", Ct);
            throw new TimeoutException(
                $"{ex.Message} up={string.Join(',', up.Select(s => s.Value))}, last scrape took {string.Join(',', duration.Select(s => s.Value))} s. Prometheus said: {prometheus.RecentOutput}",
                ex);
        }
    }
}
