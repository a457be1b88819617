using System.Diagnostics;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>Synthesises test speech with the espeak-ng command line, independently of the service's own TTS.</summary>
public static class Espeak
{
    public static async Task<byte[]> SayAsync(string text, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"espeak-{Guid.NewGuid():N}.wav");
        try
        {
            using var process = Process.Start(new ProcessStartInfo("espeak-ng", ["-v", "en-us", "-w", path, text])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("espeak-ng did not start.");
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
