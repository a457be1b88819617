using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Offline speech-to-text with pocketsphinx: a JSGF grammar built from the <see cref="SpeechVocabulary"/>
/// first, the general English language model as fallback.
/// </summary>
/// <remarks>
/// <para>
/// Decoding strategy, in up to three passes over the same samples:
/// (1) the JSGF grammar: a wake phrase alone, or an optional wake phrase and a command phrase, where <c>{text}</c> is one
/// or more words of the dictation vocabulary; its hypothesis must parse as such a phrase (<see cref="JsgfGrammarBuilder.Matches"/>).
/// (2) Rejection: the same words as an unstructured loop (no phrases). The phrase grammar gives each word a higher
/// transition probability, so in-grammar speech scores better through it; when the loop's path score is higher, the
/// speech is out of grammar (measured: answers such as "hello world" were otherwise forced onto <c>say {text}</c>).
/// Grammar weights (<c>/w/</c>) were measured to have no effect in this pocketsphinx version, hence the separate search.
/// (3) For a phrase with <c>{text}</c>, the n-gram language model also decodes the audio; if its hypothesis is itself
/// a phrase of the grammar in the grammar's vocabulary it is returned (it reads dictated words better: "thank" vs
/// "thanks", "call" vs "to all"), otherwise the grammar's. Out-of-grammar or empty grammar results get the language
/// model's hypothesis (possibly empty) with its lattice posterior as confidence.
/// Audio whose loudest 20 ms frame is below <see cref="PocketSphinxOptions.SilenceThresholdDbfs"/> is not decoded and yields <c>""</c>.
/// </para>
/// <para>
/// Synthetic or unusual voices and channels need enrolment: <see cref="SpeakerAdaptation"/> adapts the acoustic model and
/// <see cref="PocketSphinxOptions.AcousticModelPath"/> selects the result. Without it, espeak-ng speech was transcribed
/// exactly in 7 of 42 measured cases, with it in 42 of 42.
/// </para>
/// <para>
/// Decoders are not thread-safe and hold the models (tens of MB); a pool of at most
/// <see cref="PocketSphinxOptions.DecoderPoolSize"/> decoders is created lazily and decoding runs on the thread pool.
/// The vocabulary is read once, when the first decoder is created.
/// </para>
/// </remarks>
public sealed partial class PocketSphinxSpeechToTextClient : ISpeechToTextClient, IDisposable
{
    /// <summary>Value of <c>AdditionalProperties["search"]</c> when the grammar hypothesis was used.</summary>
    public const string GrammarSearchName = "grammar";

    /// <summary>Value of <c>AdditionalProperties["search"]</c> when the language model was used.</summary>
    public const string LanguageModelSearchName = "language-model";

    /// <summary>Value of <c>AdditionalProperties["search"]</c> when the audio was silent and nothing was decoded.</summary>
    public const string NoSearchName = "none";

    /// <summary>Key of the search that produced the text.</summary>
    public const string SearchPropertyKey = "search";

    /// <summary>Key of the confidence (double in 0..1) when one is available.</summary>
    public const string ConfidencePropertyKey = "confidence";

    private const int SampleRate = 16000;
    private const string ModelId = "pocketsphinx-en-us";

    private readonly PocketSphinxOptions _options;
    private readonly ISpeechVocabularySource _vocabularySource;
    private readonly ILogger<PocketSphinxSpeechToTextClient> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<PocketSphinxDecoder> _idle = [];
    private readonly Lock _setupLock = new();
    private readonly SpeechToTextClientMetadata _metadata;
    private JsgfGrammar? _grammar;
    private volatile bool _disposed;

    /// <summary>Creates the client; decoders are created on first use.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid (e.g. model files missing).</exception>
    public PocketSphinxSpeechToTextClient(
        IOptions<PocketSphinxOptions> options,
        ISpeechVocabularySource vocabulary,
        ILogger<PocketSphinxSpeechToTextClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        var validation = _options.Validate();
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PocketSphinxOptions), validation.Failures);
        }

        _vocabularySource = vocabulary;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.DecoderPoolSize, _options.DecoderPoolSize);
        _metadata = new SpeechToTextClientMetadata("pocketsphinx", null, ModelId);
    }

    /// <summary>Reads a PCM16 WAV stream (any rate and channel count) and transcribes it.</summary>
    /// <exception cref="InvalidAudioException">The stream is not a PCM16 WAV file.</exception>
    public async Task<SpeechToTextResponse> GetTextAsync(
        Stream audioSpeechStream,
        SpeechToTextOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        ObjectDisposedException.ThrowIf(_disposed, this);

        using var buffer = new MemoryStream();
        await audioSpeechStream.CopyToAsync(buffer, cancellationToken);
        var audio = WavCodec.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        if (audio.Channels != 1)
        {
            audio = audio.ToMono();
        }

        if (audio.SampleRate != SampleRate)
        {
            audio = audio.ResampleTo(SampleRate);
        }

        return await TranscribeAsync(audio.Samples, cancellationToken);
    }

    /// <summary>Transcribes the stream and yields the final text as a single update.</summary>
    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream,
        SpeechToTextOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken);
        yield return new SpeechToTextResponseUpdate(response.Text)
        {
            Kind = SpeechToTextResponseUpdateKind.TextUpdated,
            ResponseId = response.ResponseId,
            ModelId = response.ModelId,
            StartTime = response.StartTime,
            EndTime = response.EndTime,
            AdditionalProperties = response.AdditionalProperties,
        };
    }

    /// <summary>Transcribes 16 kHz mono PCM16 audio directly.</summary>
    public async Task<SpeechToTextResponse> TranscribeAsync(ReadOnlyMemory<short> pcm16kMono, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        var duration = TimeSpan.FromSeconds(pcm16kMono.Length / (double)SampleRate);
        var loudest = LoudestFrameDbfs(pcm16kMono.Span);
        if (loudest < _options.SilenceThresholdDbfs)
        {
            LogSilence(_logger, duration.TotalMilliseconds, loudest);
            return CreateResponse(string.Empty, NoSearchName, 1.0, duration, grammarHypothesis: null);
        }

        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => DecodeOnPooledDecoder(pcm16kMono, duration, cancellationToken), cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(SpeechToTextClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Frees all idle decoders; decoders in use are freed when their utterance completes.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_idle.TryTake(out var decoder))
        {
            decoder.Dispose();
        }
    }

    /// <summary>Loudest 20 ms frame in dBFS (RMS), or -120 for empty input.</summary>
    internal static double LoudestFrameDbfs(ReadOnlySpan<short> samples)
    {
        const int frame = SampleRate / 50;
        double loudest = 0;
        for (var offset = 0; offset < samples.Length; offset += frame)
        {
            var block = samples.Slice(offset, Math.Min(frame, samples.Length - offset));
            double sum = 0;
            foreach (var s in block)
            {
                sum += (double)s * s;
            }

            loudest = Math.Max(loudest, sum / block.Length);
        }

        return loudest <= 0 ? -120 : 10 * Math.Log10(loudest / (32768.0 * 32768.0));
    }

    private SpeechToTextResponse DecodeOnPooledDecoder(ReadOnlyMemory<short> pcm, TimeSpan duration, CancellationToken cancellationToken)
    {
        var decoder = RentDecoder();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            DecodeResult? grammarResult = null;
            if (decoder.HasGrammar && _grammar is not null)
            {
                var result = decoder.Decode(PocketSphinxDecoder.GrammarSearch, pcm.Span, cancellationToken);
                grammarResult = result;
                if (result.Hypothesis is { } hypothesis && JsgfGrammarBuilder.Matches(_grammar, hypothesis))
                {
                    var free = decoder.HasFreeGrammar ? decoder.Decode(PocketSphinxDecoder.FreeSearch, pcm.Span, cancellationToken) : (DecodeResult?)null;
                    if (free is { Hypothesis: not null } loop && loop.Score > result.Score)
                    {
                        // The unstructured word loop explains the audio better than any phrase: out-of-grammar speech.
                        LogOutOfGrammar(_logger, hypothesis, result.Score, loop.Hypothesis, loop.Score);
                    }
                    else if (_grammar.IsDictation(hypothesis))
                    {
                        // The phrase is certain; the dictated words are better read by the language model, which is used
                        // when it heard a phrase of the grammar in the grammar's vocabulary.
                        var lmCheck = decoder.Decode(decoder.LanguageModelSearch, pcm.Span, cancellationToken);
                        var lmText = lmCheck.Hypothesis?.ToLowerInvariant();
                        var useLm = lmText is not null && JsgfGrammarBuilder.Matches(_grammar, lmText) && _grammar.IsInVocabulary(lmText);
                        var dictated = useLm ? lmText! : hypothesis.ToLowerInvariant();
                        LogRecognized(_logger, GrammarSearchName, dictated, double.NaN, duration.TotalMilliseconds, stopwatch.Elapsed.TotalMilliseconds);
                        return CreateResponse(dictated, GrammarSearchName, useLm ? lmCheck.Posterior : null, duration, grammarHypothesis: useLm ? hypothesis : null);
                    }
                    else
                    {
                        LogRecognized(_logger, GrammarSearchName, hypothesis, double.NaN, duration.TotalMilliseconds, stopwatch.Elapsed.TotalMilliseconds);
                        return CreateResponse(hypothesis.ToLowerInvariant(), GrammarSearchName, result.Posterior, duration, grammarHypothesis: null);
                    }
                }
                else
                {
                    LogGrammarRejected(_logger, result.Hypothesis);
                }
            }

            var lm = decoder.Decode(decoder.LanguageModelSearch, pcm.Span, cancellationToken);
            var text = lm.Hypothesis?.ToLowerInvariant() ?? string.Empty;
            LogRecognized(_logger, LanguageModelSearchName, text, lm.Posterior ?? double.NaN, duration.TotalMilliseconds, stopwatch.Elapsed.TotalMilliseconds);
            return CreateResponse(text, LanguageModelSearchName, lm.Posterior, duration, grammarResult?.Hypothesis);
        }
        finally
        {
            ReturnDecoder(decoder);
        }
    }

    private PocketSphinxDecoder RentDecoder()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var decoder) ? decoder : CreateDecoder();
    }

    private void ReturnDecoder(PocketSphinxDecoder decoder)
    {
        if (_disposed)
        {
            decoder.Dispose();
            return;
        }

        _idle.Add(decoder);
        if (_disposed && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    private PocketSphinxDecoder CreateDecoder()
    {
        var stopwatch = Stopwatch.StartNew();
        var decoder = PocketSphinxDecoder.Create(_options);
        try
        {
            // Grammar construction and dictionary additions are serialised: the first decoder decides the grammar,
            // later ones reuse it.
            lock (_setupLock)
            {
                var vocabulary = _vocabularySource.GetVocabulary();
                AddPronunciations(decoder, vocabulary);
                _grammar ??= BuildGrammar(decoder, vocabulary);
                if (_grammar.Jsgf is not null && !decoder.SetGrammar(_grammar.Jsgf))
                {
                    LogGrammarFailed(_logger, _grammar.Jsgf);
                }

                if (decoder.HasGrammar && _grammar.FreeJsgf is not null && !decoder.SetFreeGrammar(_grammar.FreeJsgf))
                {
                    LogGrammarFailed(_logger, _grammar.FreeJsgf);
                }
            }

            LogDecoderCreated(_logger, stopwatch.Elapsed.TotalMilliseconds, decoder.HasGrammar);
            return decoder;
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    private void AddPronunciations(PocketSphinxDecoder decoder, SpeechVocabulary vocabulary)
    {
        var missing = new List<KeyValuePair<string, string>>();
        foreach (var (rawWord, rawPhones) in vocabulary.Pronunciations)
        {
            var word = JsgfGrammarBuilder.NormalizeWord(rawWord);
            var phones = rawPhones?.Trim().ToUpperInvariant();
            if (word is null || string.IsNullOrEmpty(phones))
            {
                LogPronunciationSkipped(_logger, rawWord, rawPhones);
                continue;
            }

            if (!decoder.IsKnownWord(word))
            {
                missing.Add(new(word, phones));
            }
        }

        for (var i = 0; i < missing.Count; i++)
        {
            var (word, phones) = missing[i];
            if (!decoder.AddWord(word, phones, rebuild: i == missing.Count - 1))
            {
                LogPronunciationSkipped(_logger, word, phones);
            }
        }
    }

    private JsgfGrammar BuildGrammar(PocketSphinxDecoder decoder, SpeechVocabulary vocabulary)
    {
        var grammar = JsgfGrammarBuilder.Build(vocabulary, _options.DictationWords, decoder.IsKnownWord);
        foreach (var phrase in grammar.RejectedPhrases)
        {
            LogPhraseRejected(_logger, phrase);
        }

        LogGrammarBuilt(_logger, grammar.CommandPhrases.Count, grammar.WakePhrases.Count, grammar.DictationWords.Count);
        return grammar;
    }

    private static SpeechToTextResponse CreateResponse(string text, string search, double? confidence, TimeSpan duration, string? grammarHypothesis)
    {
        var properties = new AdditionalPropertiesDictionary { [SearchPropertyKey] = search };
        if (confidence is { } value)
        {
            properties[ConfidencePropertyKey] = value;
        }

        if (grammarHypothesis is not null)
        {
            properties["grammarHypothesis"] = grammarHypothesis;
        }

        return new SpeechToTextResponse(text)
        {
            ModelId = ModelId,
            StartTime = TimeSpan.Zero,
            EndTime = duration,
            AdditionalProperties = properties,
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Silence ({DurationMs} ms, loudest frame {LoudestDbfs:F1} dBFS); not decoded")]
    private static partial void LogSilence(ILogger logger, double durationMs, double loudestDbfs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recognised '{Text}' with {Search} (posterior {Posterior:F3}); {DurationMs} ms of audio in {ElapsedMs:F0} ms")]
    private static partial void LogRecognized(ILogger logger, string search, string text, double posterior, double durationMs, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Grammar hypothesis '{Hypothesis}' is not an expected phrase; using the language model")]
    private static partial void LogGrammarRejected(ILogger logger, string? hypothesis);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Out of grammar: '{Hypothesis}' ({Score}) scores below the free word loop's '{Loop}' ({LoopScore}); using the language model")]
    private static partial void LogOutOfGrammar(ILogger logger, string hypothesis, int score, string loop, int loopScore);

    [LoggerMessage(Level = LogLevel.Information, Message = "pocketsphinx decoder created in {ElapsedMs:F0} ms (grammar: {HasGrammar})")]
    private static partial void LogDecoderCreated(ILogger logger, double elapsedMs, bool hasGrammar);

    [LoggerMessage(Level = LogLevel.Information, Message = "Speech grammar: {Commands} command phrases, {Wakes} wake phrases, {DictationWords} dictation words")]
    private static partial void LogGrammarBuilt(ILogger logger, int commands, int wakes, int dictationWords);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Phrase '{Phrase}' left out of the grammar: a word has no pronunciation")]
    private static partial void LogPhraseRejected(ILogger logger, string phrase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pronunciation '{Phones}' for '{Word}' could not be added")]
    private static partial void LogPronunciationSkipped(ILogger logger, string word, string? phones);

    [LoggerMessage(Level = LogLevel.Error, Message = "pocketsphinx rejected the generated grammar; only the language model will be used: {Jsgf}")]
    private static partial void LogGrammarFailed(ILogger logger, string jsgf);
}
