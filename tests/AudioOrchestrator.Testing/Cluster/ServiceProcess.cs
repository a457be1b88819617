using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace AudioOrchestrator.Testing.Cluster;

/// <summary>
/// One service process (<c>dotnet AudioOrchestrator.Silo.dll</c> from the caller's bin) configured through environment
/// variables, as an operator runs it: started, checked on <c>/health/ready</c>, stopped with SIGTERM (graceful) or
/// SIGKILL (a crash). Its output is kept (the last lines) for failure messages, and all of it in <c>logFile</c> when one
/// is given. Disposing kills the process tree.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly StreamWriter? _log;
    private Process? _process;

    public ServiceProcess(string name, int httpPort, IReadOnlyDictionary<string, string> environment, string? logFile = null)
    {
        Name = name;
        HttpPort = httpPort;
        _environment = environment;
        _log = logFile is null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}/"));
    }

    public string Name { get; }

    public int HttpPort { get; }

    public Uri BaseAddress { get; }

    /// <summary>The running process's id; null before the start and after the exit.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the process wrote (stdout and stderr).</summary>
    public string RecentOutput => string.Join('\n', _output);

    /// <summary>Starts the process (again, after an exit).</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        _process?.Dispose();
        var program = Path.Combine(AppContext.BaseDirectory, "AudioOrchestrator.Silo.dll");
        var start = new ProcessStartInfo("dotnet", [program])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{Name}: dotnet did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Keep($"--- {Name} started (pid {process.Id})");
    }

    /// <summary>
    /// Starts a service on free loopback ports (HTTP, silo, gateway) with <paramref name="environment"/> and waits until
    /// it is ready. A port found free can be taken by another process before the service binds it (test projects run
    /// side by side): the service then exits with "address already in use", and it is started again on other ports.
    /// </summary>
    public static async Task<ServiceProcess> StartOnFreePortsAsync(IReadOnlyDictionary<string, string> environment, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        for (var attempt = 1; ; attempt++)
        {
            var settings = new Dictionary<string, string>(environment, StringComparer.Ordinal)
            {
                ["Cluster__SiloPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                ["Cluster__GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
            };
            var service = new ServiceProcess("service", LoopbackPorts.Free(), settings);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            try
            {
                service.Start();
                await service.WaitReadyAsync(http, readyTimeout, cancellationToken).ConfigureAwait(false);
                return service;
            }
            catch (InvalidOperationException) when (attempt < 3 && !service.IsRunning && service.RecentOutput.Contains("already in use", StringComparison.OrdinalIgnoreCase))
            {
                await service.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await service.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 (failing with the process's output when it exits or times out).</summary>
    public async Task WaitReadyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"{Name} exited while starting:\n{RecentOutput}");
            }

            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, probe.Token);
                using var response = await http.GetAsync(new Uri(BaseAddress, "health/ready"), linked.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s:\n{RecentOutput}");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A crash: SIGKILL, nothing runs in the process any more. Returns once it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Keep($"--- {Name} killed (SIGKILL)");
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// A graceful stop: SIGTERM, as a container runtime or systemd sends it; waits for the exit (up to
    /// <paramref name="timeout"/>, then kills it and says so). Returns the exit code.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } process)
        {
            return _process?.ExitCode ?? 0;
        }

        Keep($"--- {Name} stopping (SIGTERM)");
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await kill!.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new TimeoutException($"{Name} did not stop within {timeout.TotalSeconds:0} s of SIGTERM:\n{RecentOutput}");
        }

        Keep($"--- {Name} exited with {process.ExitCode}");
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue($"[{Name}] {line}");
        if (_log is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }

        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }
    }
}
