using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Wake phrase spotting with pocketsphinx keyphrase search (<c>ps_set_kws</c>) on the acoustic model of
/// <see cref="PocketSphinxOptions"/> (so an enrolled model serves both), fed 20 ms at a time while the utterance is
/// still being heard. A pool of at most <see cref="WakePhraseSpotterOptions.DecoderPoolSize"/> decoders is created
/// lazily; a spotting pass holds one until it is disposed.
/// </summary>
public sealed partial class PocketSphinxWakePhraseSpotter : IWakePhraseSpotter, IDisposable
{
    private readonly PocketSphinxOptions _model;
    private readonly WakePhraseSpotterOptions _options;
    private readonly ISpeechVocabularySource _vocabulary;
    private readonly ILogger<PocketSphinxWakePhraseSpotter> _logger;
    private readonly ConcurrentBag<KeyphraseDecoder> _idle = [];
    private int _created;
    private int _busy;
    private volatile bool _disposed;

    public PocketSphinxWakePhraseSpotter(
        IOptions<PocketSphinxOptions> model,
        IOptions<WakePhraseSpotterOptions> options,
        ISpeechVocabularySource vocabulary,
        ILogger<PocketSphinxWakePhraseSpotter> logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(logger);
        _model = model.Value;
        _options = options.Value;
        var validation = _options.Validate();
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(WakePhraseSpotterOptions), validation.Failures);
        }

        _vocabulary = vocabulary;
        _logger = logger;
    }

    /// <inheritdoc />
    public IWakePhraseSpotting? Start(IReadOnlyList<string> phrases)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Increment(ref _busy) > _options.DecoderPoolSize)
        {
            Interlocked.Decrement(ref _busy);
            LogPoolExhausted(_logger, _options.DecoderPoolSize);
            return null;
        }

        KeyphraseDecoder? decoder = null;
        try
        {
            decoder = Rent();
            if (!decoder.CanSpot(phrases))
            {
                LogUnknownWords(_logger, string.Join(", ", phrases));
                Return(decoder);
                return null;
            }

            decoder.Start(phrases);
            return new Spotting(this, decoder, phrases);
        }
        catch
        {
            if (decoder is not null)
            {
                decoder.End();
                Return(decoder);
            }
            else
            {
                Interlocked.Decrement(ref _busy);
            }

            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var decoder))
        {
            decoder.Dispose();
        }
    }

    private KeyphraseDecoder Rent()
    {
        if (_idle.TryTake(out var decoder))
        {
            return decoder;
        }

        var created = KeyphraseDecoder.Create(_model, _options, _vocabulary.GetVocabulary().Pronunciations);
        LogDecoderCreated(_logger, Interlocked.Increment(ref _created));
        return created;
    }

    private void Return(KeyphraseDecoder decoder)
    {
        Interlocked.Decrement(ref _busy);
        if (_disposed)
        {
            decoder.Dispose();
            return;
        }

        _idle.Add(decoder);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wake phrase spotting decoder {Count} created")]
    private static partial void LogDecoderCreated(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "All {PoolSize} wake phrase spotting decoders are busy; the utterance is confirmed on its transcript only")]
    private static partial void LogPoolExhausted(ILogger logger, int poolSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wake phrases '{Phrases}' have words without a pronunciation; they are confirmed on the transcript only")]
    private static partial void LogUnknownWords(ILogger logger, string phrases);

    private sealed class Spotting(PocketSphinxWakePhraseSpotter owner, KeyphraseDecoder decoder, IReadOnlyList<string> phrases) : IWakePhraseSpotting
    {
        private long _samples;
        private bool _disposed;

        public TimeSpan Position => TimeSpan.FromSeconds(_samples / 16000.0);

        public WakePhraseSpot? Spot { get; private set; }

        public WakePhraseSpot? Process(ReadOnlySpan<short> pcm16kMono)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Spot is not null || pcm16kMono.IsEmpty)
            {
                return Spot;
            }

            var hypothesis = decoder.Process(pcm16kMono);
            _samples += pcm16kMono.Length;
            if (hypothesis is not null)
            {
                var phrase = phrases.FirstOrDefault(p => hypothesis.Contains(string.Join(' ', JsgfGrammarBuilder.Tokenize(p)), StringComparison.Ordinal))
                    ?? phrases[0];
                Spot = new WakePhraseSpot(phrase, Position);
            }

            return Spot;
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            decoder.End();
            owner.Return(decoder);
        }
    }
}
