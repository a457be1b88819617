using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> binary) started for one test: its own configuration and data
/// directory in a temporary directory, listening on a free loopback port, scraping one target every second with a
/// bearer token. Disposing kills the process and deletes the directory.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _output = new();

    private PrometheusProcess(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Prometheus's own address (<c>http://127.0.0.1:{port}/</c>).</summary>
    public Uri Address { get; }

    private HttpClient Http { get; }

    /// <summary>The last lines Prometheus wrote (for failure messages).</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(20));

    /// <summary>The <c>prometheus</c> binary on PATH, or null.</summary>
    public static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts Prometheus scraping <paramref name="target"/>'s <c>/metrics</c> every second with <paramref name="bearerToken"/>, and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">The binary is missing (run <c>scripts/setup.sh --test</c>) or it did not become ready.</exception>
    public static async Task<PrometheusProcess> StartAsync(Uri target, string bearerToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var binary = FindBinary() ?? throw new InvalidOperationException(
            "The prometheus binary is not on PATH: run scripts/setup.sh --test (it installs Debian's package prometheus).");
        var directory = Directory.CreateTempSubdirectory("ao-prometheus-").FullName;
        var port = LoopbackPorts.Free();
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 3s
              scrape_timeout: 3s
              evaluation_interval: 3s
            scrape_configs:
              - job_name: audio-orchestrator
                metrics_path: /metrics
                authorization:
                  type: Bearer
                  credentials: "{bearerToken}"
                static_configs:
                  - targets: ["{target.Authority}"]
            """, cancellationToken);

        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        var prometheus = new PrometheusProcess(process, directory, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        process.OutputDataReceived += (_, e) => prometheus.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => prometheus.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await TestWait.UntilAsync(prometheus.IsReadyAsync, "Prometheus to be ready", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            var output = prometheus.RecentOutput;
            await prometheus.DisposeAsync();
            throw new InvalidOperationException($"Prometheus did not become ready: {output}", ex);
        }

        return prometheus;
    }

    /// <summary>The values of the instant vector <paramref name="promql"/> evaluates to now (empty when it has no series).</summary>
    public async Task<IReadOnlyList<PrometheusSample>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Prometheus answered {(int)response.StatusCode} to {promql}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        var data = document.RootElement.GetProperty("data");
        var type = data.GetProperty("resultType").GetString();
        if (type == "scalar")
        {
            return [new PrometheusSample(new Dictionary<string, string>(), ParseValue(data.GetProperty("result")))];
        }

        return [.. data.GetProperty("result").EnumerateArray().Select(series => new PrometheusSample(
            series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
            ParseValue(series.GetProperty("value"))))];
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static double ParseValue(JsonElement pair) =>
        double.Parse(pair[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private async Task<bool> IsReadyAsync()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"Prometheus exited with code {_process.ExitCode}: {RecentOutput}");
        }

        try
        {
            using var response = await Http.GetAsync(new Uri("-/ready", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }
}

/// <summary>One series of a PromQL result: its labels and its value now.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, double Value);
