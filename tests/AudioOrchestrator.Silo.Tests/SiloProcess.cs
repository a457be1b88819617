using System.Diagnostics;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>Runs the service's program (its command-line modes) as a child process, as a user would.</summary>
internal static class SiloProcess
{
    /// <summary>Runs <c>dotnet AudioOrchestrator.Silo.dll</c> with <paramref name="args"/>; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        var program = Path.Combine(AppContext.BaseDirectory, "AudioOrchestrator.Silo.dll");
        var start = new ProcessStartInfo("dotnet", [program, .. args])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
