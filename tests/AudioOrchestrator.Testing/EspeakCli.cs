using System.Diagnostics;
using System.Globalization;

namespace AudioOrchestrator.Testing;

/// <summary>Speech from the espeak-ng command line, independent of the service's own text-to-speech.</summary>
public static class EspeakCli
{
    /// <summary>Returns the WAV espeak-ng writes for <paramref name="text"/>.</summary>
    /// <param name="voice">Voice for <c>-v</c> (default en-us), or null for the command line's own default (British <c>en</c>).</param>
    /// <param name="rate">Words per minute for <c>-s</c>, or null for the default (175).</param>
    public static async Task<byte[]> SayAsync(string text, CancellationToken cancellationToken, string? voice = "en-us", int? rate = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"espeak-{Guid.NewGuid():N}.wav");
        try
        {
            List<string> arguments = voice is null ? [] : ["-v", voice];
            if (rate is { } wpm)
            {
                arguments.AddRange(["-s", wpm.ToString(CultureInfo.InvariantCulture)]);
            }

            arguments.AddRange(["-w", path, text]);
            using var process = Process.Start(new ProcessStartInfo("espeak-ng", arguments)
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("espeak-ng did not start.");
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed ({process.ExitCode}): {await errors}");
            }

            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
