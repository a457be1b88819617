using System.Diagnostics;
using System.Globalization;
using System.Text;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech.Adaptation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Speaker/channel enrolment: adapts the acoustic model to recordings of one voice (or one microphone/channel) with
/// known transcripts, using the CMUSphinx training tools: <c>sphinx_fe</c> features, <c>bw</c> alignment counts and
/// <c>map_adapt</c> maximum-a-posteriori re-estimation of the means, variances, mixture weights and transitions.
/// </summary>
/// <remarks>
/// <para>
/// This is what a deployment does to enrol its users' voices or its microphones: record a few dozen phonetically varied
/// sentences that are unrelated to the commands (<see cref="EnrolmentPrompts"/>), run <see cref="AdaptAsync"/> once, and point
/// <see cref="PocketSphinxOptions.AcousticModelPath"/> at the directory it returns. The stock model is trained on human
/// speech and mis-hears synthetic (espeak-ng) speech badly; measured on 21 phrases at two speaking rates, exact
/// transcriptions went from 7/42 to 42/42 after enrolling 79 unrelated espeak-ng sentences. MLLR (one global
/// transform, <c>mllr_solve</c>) was also measured and gave only 10/42, so MAP is what is implemented.
/// </para>
/// <para>
/// The base model is the one <see cref="PocketSphinxOptions"/> resolves. Models that ship only quantised
/// <c>sendump</c> mixture weights (the Debian <c>en-us</c> model) are first converted to the float
/// <c>mixture_weights</c> that the tools need; the adapted model directory contains <c>mixture_weights</c>, which
/// pocketsphinx loads when there is no <c>sendump</c>.
/// </para>
/// </remarks>
public sealed partial class SpeakerAdaptation
{
    private const int SampleRate = 16000;
    private static readonly string[] ModelFiles = ["means", "variances", "transition_matrices", "noisedict", "feat.params"];

    private readonly PocketSphinxOptions _model;
    private readonly SpeakerAdaptationOptions _options;
    private readonly ILogger<SpeakerAdaptation> _logger;

    /// <summary>Creates the adapter for the base model described by <paramref name="model"/>.</summary>
    /// <exception cref="OptionsValidationException">Either options object is invalid.</exception>
    public SpeakerAdaptation(IOptions<PocketSphinxOptions> model, IOptions<SpeakerAdaptationOptions> options, ILogger<SpeakerAdaptation> logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _model = model.Value;
        _options = options.Value;
        foreach (var (type, result) in new[] { (typeof(PocketSphinxOptions), _model.Validate()), (typeof(SpeakerAdaptationOptions), _options.Validate()) })
        {
            if (result.Failed)
            {
                throw new OptionsValidationException(Options.DefaultName, type, result.Failures);
            }
        }

        _logger = logger;
    }

    /// <summary>
    /// Adapts the base acoustic model to <paramref name="corpus"/> and writes the adapted model to
    /// <paramref name="outputDirectory"/> (replacing it if it exists).
    /// </summary>
    /// <param name="corpus">Recordings (any rate and channel count) with their transcripts; every word must be in the dictionary.</param>
    /// <param name="outputDirectory">Where the adapted acoustic model goes.</param>
    /// <param name="cancellationToken">Stops the running tool.</param>
    /// <returns>The adapted acoustic model directory, for <see cref="PocketSphinxOptions.AcousticModelPath"/>.</returns>
    /// <exception cref="ArgumentException">The corpus is empty, or a transcript is empty or has a word the dictionary lacks.</exception>
    /// <exception cref="InvalidOperationException">A tool failed or could not be started.</exception>
    public async Task<string> AdaptAsync(
        IEnumerable<(PcmAudio Audio, string Transcript)> corpus,
        string outputDirectory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);

        var stopwatch = Stopwatch.StartNew();
        var items = corpus.ToList();
        if (items.Count == 0)
        {
            throw new ArgumentException("The adaptation corpus is empty.", nameof(corpus));
        }

        var known = ReadDictionaryWords(_model.ResolvedDictionaryPath);
        var output = Path.GetFullPath(outputDirectory);
        var staging = $"{output}.partial-{Guid.NewGuid():N}";
        var work = Path.Combine(staging, ".work");
        Directory.CreateDirectory(Path.Combine(work, "wav"));
        Directory.CreateDirectory(Path.Combine(work, "mfc"));
        try
        {
            var control = new StringBuilder();
            var transcripts = new StringBuilder();
            for (var i = 0; i < items.Count; i++)
            {
                var (audio, transcript) = items[i];
                ArgumentNullException.ThrowIfNull(audio, nameof(corpus));
                var words = NormalizeTranscript(transcript, known, i);
                var id = $"u{i:D4}";
                var mono = audio.Channels == 1 ? audio : audio.ToMono();
                var pcm = mono.SampleRate == SampleRate ? mono : mono.ResampleTo(SampleRate);
                await File.WriteAllBytesAsync(Path.Combine(work, "wav", id + ".wav"), WavCodec.Encode(pcm), cancellationToken);
                control.Append(id).Append('\n');
                transcripts.Append("<s> ").Append(words).Append(" </s> (").Append(id).Append(")\n");
            }

            var controlFile = Path.Combine(work, "corpus.ctl");
            var transcriptFile = Path.Combine(work, "corpus.transcription");
            await File.WriteAllTextAsync(controlFile, control.ToString(), cancellationToken);
            await File.WriteAllTextAsync(transcriptFile, transcripts.ToString(), cancellationToken);

            var baseModel = await PrepareBaseModelAsync(Path.Combine(work, "base"), cancellationToken);
            var featureParameters = Path.Combine(baseModel, "feat.params");
            var feat = ReadFeatureParameters(featureParameters);

            // Features exactly as the decoder computes them; -dither mirrors the decoder's own dither of digital silence.
            await RunAsync(_options.FeatureExtractorPath, work, cancellationToken,
                "-argfile", featureParameters, "-samprate", "16000", "-c", controlFile,
                "-di", Path.Combine(work, "wav"), "-do", Path.Combine(work, "mfc"), "-ei", "wav", "-eo", "mfc",
                "-mswav", "yes", "-dither", "yes", "-seed", "1");

            var current = baseModel;
            for (var round = 1; round <= _options.Iterations; round++)
            {
                var counts = Path.Combine(work, $"counts{round}");
                Directory.CreateDirectory(counts);
                await RunAsync(Path.Combine(_options.SphinxTrainDirectory, "bw"), work, cancellationToken,
                    "-hmmdir", current, "-moddeffn", Path.Combine(baseModel, "mdef.txt"), "-ts2cbfn", ".ptm.",
                    "-feat", feat.GetValueOrDefault("-feat", "1s_c_d_dd"), "-svspec", feat.GetValueOrDefault("-svspec", "0-12/13-25/26-38"),
                    "-cmn", "batch", "-agc", "none", "-dictfn", _model.ResolvedDictionaryPath,
                    "-fdictfn", Path.Combine(baseModel, "noisedict"), "-ctlfn", controlFile, "-lsnfn", transcriptFile,
                    "-cepdir", Path.Combine(work, "mfc"), "-accumdir", counts);

                var adapted = round == _options.Iterations ? staging : Path.Combine(work, $"round{round}");
                Directory.CreateDirectory(adapted);
                await RunAsync(Path.Combine(_options.SphinxTrainDirectory, "map_adapt"), work, cancellationToken,
                    "-moddeffn", Path.Combine(baseModel, "mdef.txt"), "-ts2cbfn", ".ptm.",
                    "-meanfn", Path.Combine(baseModel, "means"), "-varfn", Path.Combine(baseModel, "variances"),
                    "-mixwfn", Path.Combine(baseModel, "mixture_weights"), "-tmatfn", Path.Combine(baseModel, "transition_matrices"),
                    "-accumdir", counts,
                    "-mapmeanfn", Path.Combine(adapted, "means"), "-mapvarfn", Path.Combine(adapted, "variances"),
                    "-mapmixwfn", Path.Combine(adapted, "mixture_weights"), "-maptmatfn", Path.Combine(adapted, "transition_matrices"));
                File.Copy(Path.Combine(baseModel, "mdef"), Path.Combine(adapted, "mdef"), overwrite: true);
                File.Copy(Path.Combine(baseModel, "noisedict"), Path.Combine(adapted, "noisedict"), overwrite: true);
                File.Copy(featureParameters, Path.Combine(adapted, "feat.params"), overwrite: true);
                current = adapted;
            }

            Directory.Delete(work, recursive: true);
            await File.WriteAllTextAsync(
                Path.Combine(staging, "ADAPTATION"),
                string.Create(CultureInfo.InvariantCulture,
                    $"MAP speaker/channel adaptation of {_model.ResolvedAcousticModelPath}\n{items.Count} utterances, {_options.Iterations} round(s)\n"),
                cancellationToken);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }

            Directory.Move(staging, output);
            LogAdapted(_logger, items.Count, output, stopwatch.Elapsed.TotalSeconds);
            return output;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Copies the base model into <paramref name="directory"/> in the form the tools read.</summary>
    private async Task<string> PrepareBaseModelAsync(string directory, CancellationToken cancellationToken)
    {
        var source = _model.ResolvedAcousticModelPath;
        Directory.CreateDirectory(directory);
        foreach (var file in ModelFiles)
        {
            File.Copy(Path.Combine(source, file), Path.Combine(directory, file));
        }

        File.Copy(Path.Combine(source, "mdef"), Path.Combine(directory, "mdef"));
        var mixtureWeights = Path.Combine(source, "mixture_weights");
        if (File.Exists(mixtureWeights))
        {
            File.Copy(mixtureWeights, Path.Combine(directory, "mixture_weights"));
        }
        else
        {
            MixtureWeights.ConvertSendump(Path.Combine(source, "sendump"), Path.Combine(directory, "mixture_weights"));
        }

        await RunAsync(_options.ModelDefinitionConverterPath, directory, cancellationToken,
            "-text", Path.Combine(directory, "mdef"), Path.Combine(directory, "mdef.txt"));
        return directory;
    }

    private static Dictionary<string, string> ReadFeatureParameters(string path)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2)
            {
                parameters[parts[0]] = parts[1];
            }
        }

        return parameters;
    }

    private static HashSet<string> ReadDictionaryWords(string path)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var end = line.IndexOfAny([' ', '\t']);
            if (end > 0)
            {
                var word = line[..end];
                var variant = word.IndexOf('(', StringComparison.Ordinal);
                words.Add(variant > 0 ? word[..variant] : word);
            }
        }

        return words;
    }

    private static string NormalizeTranscript(string transcript, HashSet<string> known, int index)
    {
        var words = JsgfGrammarBuilder.Tokenize(transcript ?? string.Empty)
            .Select(w => w.Trim('.', ',', '!', '?', ';', ':', '"'))
            .Where(w => w.Length > 0)
            .ToArray();
        if (words.Length == 0)
        {
            throw new ArgumentException($"Transcript {index} is empty.", nameof(transcript));
        }

        var unknown = words.Where(w => JsgfGrammarBuilder.NormalizeWord(w) != w || !known.Contains(w)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"Transcript {index} has words the dictionary lacks: {string.Join(", ", unknown)}.", nameof(transcript));
        }

        return string.Join(' ', words);
    }

    private async Task RunAsync(string tool, string workingDirectory, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{tool}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start '{tool}' (install the Debian packages sphinxtrain, sphinxbase-utils and pocketsphinx).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var log = (await stdout) + (await stderr);
            if (process.ExitCode != 0)
            {
                var tail = log.Length > 2000 ? log[^2000..] : log;
                throw new InvalidOperationException($"'{Path.GetFileName(tool)}' failed (exit code {process.ExitCode}): {tail}");
            }

            LogToolRan(_logger, Path.GetFileName(tool));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Adaptation tool {Tool} finished")]
    private static partial void LogToolRan(ILogger logger, string tool);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapted the acoustic model to {Utterances} utterances in {Seconds:F1} s: {Directory}")]
    private static partial void LogAdapted(ILogger logger, int utterances, string directory, double seconds);
}
