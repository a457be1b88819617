using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// Traces are made only when they are exported (docs/operations.md, Traces): with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> a
/// turn reaches a collector over OTLP/HTTP (a loopback server taking what the exporter posts), without it no tracer
/// exists and grain calls carry no trace.
/// </summary>
public sealed class TracingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_an_otlp_endpoint_there_are_metrics_and_no_tracer()
    {
        await using var app = ServiceApp.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "", // unset, whatever the environment of the test run says
        }));

        Assert.NotNull(app.Services.GetService<MeterProvider>());
        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task With_an_otlp_endpoint_a_turn_is_exported_as_a_trace()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var model = await EspeakVoiceEnrolment.GetModelAsync(Ct);
        var archive = Path.Combine(Path.GetTempPath(), "ao-archive-" + Guid.NewGuid().ToString("N")[..12] + ".db");
        await using var service = await ServiceProcess.StartOnFreePortsAsync(
            new Dictionary<string, string>
            {
                ["Speech__PocketSphinx__AcousticModelPath"] = model,
                ["Archive__SqlitePath"] = archive,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            },
            TimeSpan.FromSeconds(90),
            Ct);
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            using var response = await http.PostAsJsonAsync("/api/v1/sessions/traced/messages", new { text = "echo traced" }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            // Span names and the service name are UTF-8 strings inside the protobuf body.
            await TestWait.UntilAsync(
                () => Task.FromResult(collector.Received("/v1/traces", "conversation.turn") && collector.Received("/v1/traces", "audio-orchestrator")),
                "the turn's spans at the collector",
                TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}\nThe collector got: {collector.Describe()}\nThe service said:\n{service.RecentOutput}", ex);
        }
        finally
        {
            await service.TerminateAsync(TimeSpan.FromSeconds(30));
            TestArchive.Delete(archive);
        }
    }

    /// <summary>An OTLP/HTTP receiver on loopback: keeps each body posted to <c>/v1/{signal}</c>, answers 200 with an empty export response.</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _bodies = new();

        private OtlpCollector(WebApplication app) => _app = app;

        public Uri Endpoint { get; private set; } = null!;

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var collector = new OtlpCollector(builder.Build());
            collector._app.MapPost("/v1/{signal}", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                collector._bodies.Enqueue((context.Request.Path.Value ?? "", body.ToArray()));
                context.Response.ContentType = "application/x-protobuf";
                context.Response.StatusCode = StatusCodes.Status200OK;
            });
            await collector._app.StartAsync();
            collector.Endpoint = new Uri(collector._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return collector;
        }

        public bool Received(string path, string text)
        {
            var needle = Encoding.UTF8.GetBytes(text);
            return _bodies.Any(b => b.Path == path && b.Body.AsSpan().IndexOf(needle) >= 0);
        }

        public string Describe() => string.Join(", ", _bodies.GroupBy(b => b.Path).Select(g => $"{g.Key} x{g.Count()}"));

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
