using System.Globalization;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Silo.CommandLine;

/// <summary>
/// Voice enrolment: adapts the pocketsphinx acoustic model to one voice or microphone (MAP adaptation with the
/// CMUSphinx training tools) and writes the adapted model, which <c>Speech:PocketSphinx:AcousticModelPath</c> then
/// points to.
/// <list type="bullet">
/// <item><c>--enrol-voice FOLDER --model-output DIR</c>: FOLDER holds recordings <c>NAME.wav</c> with their
/// transcripts <c>NAME.txt</c> (a person reading <see cref="EnrolmentPrompts"/> is a good corpus).</item>
/// <item><c>--enrol-espeak-voice --model-output DIR</c>: the service's own espeak-ng voice reads the prompts at
/// two rates, so questions made with espeak-ng are understood.</item>
/// </list>
/// </summary>
public sealed record EnrolVoiceCommand(string? RecordingsFolder, string ModelOutput)
{
    /// <summary>espeak-ng speaking rates (words per minute) the prompts are read at: the default and a slower one.</summary>
    private static readonly int[] EspeakRates = [175, 140];

    public static bool TryParse(string[] args, out EnrolVoiceCommand? command, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        command = null;
        error = null;
        var folderIndex = Array.IndexOf(args, "--enrol-voice");
        var espeak = args.Contains("--enrol-espeak-voice");
        if (folderIndex < 0 && !espeak)
        {
            return false;
        }

        var outputIndex = Array.IndexOf(args, "--model-output");
        if (outputIndex < 0 || outputIndex + 1 >= args.Length)
        {
            error = "--model-output DIR is required for enrolment.";
            return true;
        }

        if (folderIndex >= 0 && folderIndex + 1 >= args.Length)
        {
            error = "--enrol-voice needs the folder of NAME.wav + NAME.txt recordings.";
            return true;
        }

        command = new EnrolVoiceCommand(folderIndex >= 0 ? args[folderIndex + 1] : null, args[outputIndex + 1]);
        return true;
    }

    public async Task<int> RunAsync(IServiceProvider services, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        List<(PcmAudio Audio, string Transcript)> corpus;
        try
        {
            corpus = RecordingsFolder is null
                ? await ReadPromptsWithEspeakAsync(services.GetRequiredService<EspeakTextToSpeechClient>(), cancellationToken)
                : ReadRecordings(RecordingsFolder);
        }
        catch (Exception ex) when (ex is InvalidAudioException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }

        await stdout.WriteLineAsync($"enrolling on {corpus.Count} recordings ...");
        var adaptation = services.GetRequiredService<SpeakerAdaptation>();
        try
        {
            var model = await adaptation.AdaptAsync(corpus, ModelOutput, cancellationToken);
            await stdout.WriteLineAsync($"wrote:  {model}");
            await stdout.WriteLineAsync($"use it: --Speech:PocketSphinx:AcousticModelPath={model}");
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
        {
            await stderr.WriteLineAsync($"error: enrolment failed: {ex.Message}");
            return 1;
        }
    }

    private static async Task<List<(PcmAudio, string)>> ReadPromptsWithEspeakAsync(EspeakTextToSpeechClient voice, CancellationToken cancellationToken)
    {
        var corpus = new List<(PcmAudio, string)>();
        foreach (var prompt in EnrolmentPrompts.Sentences)
        {
            foreach (var rate in EspeakRates)
            {
                var options = new TextToSpeechOptions { Speed = rate / 175f };
                corpus.Add((await voice.SynthesizeAsync(prompt, options, cancellationToken), prompt));
            }
        }

        return corpus;
    }

    private static List<(PcmAudio, string)> ReadRecordings(string folder)
    {
        var corpus = new List<(PcmAudio, string)>();
        foreach (var wav in Directory.EnumerateFiles(folder, "*.wav").Order(StringComparer.Ordinal))
        {
            var transcript = Path.ChangeExtension(wav, ".txt");
            if (!File.Exists(transcript))
            {
                throw new InvalidDataException($"{wav} has no transcript {Path.GetFileName(transcript)}.");
            }

            corpus.Add((WavCodec.Decode(File.ReadAllBytes(wav)), File.ReadAllText(transcript).Trim().ToLower(CultureInfo.InvariantCulture)));
        }

        return corpus.Count > 0 ? corpus : throw new InvalidDataException($"No NAME.wav + NAME.txt recordings in {folder}.");
    }
}
