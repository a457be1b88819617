using AudioOrchestrator.Audio;
using AudioOrchestrator.Ingress.Uploads;

namespace AudioOrchestrator.Silo.CommandLine;

/// <summary>
/// <c>--input question.wav --output answer.wav</c>: starts the service in-process, asks the question through the
/// same streams and grains as the REST API, writes the spoken answer and exits.
/// </summary>
public sealed record AnswerFileCommand(string InputPath, string? OutputPath, string SessionId)
{
    public static bool TryParse(string[] args, out AnswerFileCommand? command, out string[] remaining)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? input = null, output = null, session = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--input" when i + 1 < args.Length:
                    input = args[++i];
                    break;
                case "--output" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--session" when i + 1 < args.Length:
                    session = args[++i];
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        remaining = [.. rest];
        command = input is null ? null : new AnswerFileCommand(input, output, session ?? "cli");
        return command is not null;
    }

    /// <summary>Runs against a started app; returns the process exit code.</summary>
    public async Task<int> RunAsync(IServiceProvider services, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        PcmAudio audio;
        try
        {
            audio = UtteranceUploadProcessor.DecodeUpload(await File.ReadAllBytesAsync(InputPath, cancellationToken));
        }
        catch (Exception ex) when (ex is InvalidAudioException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: {InputPath}: {ex.Message}");
            return 2;
        }

        var processor = services.GetRequiredService<UtteranceUploadProcessor>();
        var result = await processor.ProcessAsync(SessionId, "cli", audio, cancellationToken);
        if (result.NoSpeech)
        {
            await stderr.WriteLineAsync($"error: {InputPath}: no speech detected");
            return 3;
        }

        foreach (var turn in result.Turns)
        {
            await stdout.WriteLineAsync($"heard:  {turn.Transcript}");
            await stdout.WriteLineAsync(turn.Error is null ? $"answer: [{turn.Agent}] {turn.ResponseText}" : $"failed: {turn.Error}");
        }

        var last = result.Turns[^1];
        if (OutputPath is not null && last.AnswerWav is not null)
        {
            await File.WriteAllBytesAsync(OutputPath, last.AnswerWav, cancellationToken);
            await stdout.WriteLineAsync($"wrote:  {OutputPath}");
        }

        return last.Error is null ? 0 : 1;
    }
}
