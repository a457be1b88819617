using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Whisper.net;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Whisper in-process through Whisper.net: one model loaded per silo, and a bounded pool of
/// <see cref="WhisperOptions.Processors"/> processors shared by every speaker (a request waits for a free one; the wait
/// is measured as <c>audioorchestrator.speech.whisper.pool_wait</c>). Audio is WAV at any rate, resampled to 16 kHz
/// floats; audio longer than <see cref="WhisperOptions.MaxAudio"/> is refused. A processor whose request was cancelled
/// is disposed rather than reused.
/// </summary>
public sealed partial class WhisperSpeechToTextClient : ISpeechToTextClient
{
    private const int WhisperRate = 16_000;

    private readonly WhisperOptions _options;
    private readonly ILogger<WhisperSpeechToTextClient> _logger;
    private readonly Lazy<WhisperFactory> _factory;
    private readonly Channel<WhisperProcessor> _idle = Channel.CreateUnbounded<WhisperProcessor>();
    private readonly SemaphoreSlim _slots;
    private readonly Histogram<double> _poolWait;
    private readonly SpeechToTextClientMetadata _metadata;
    private bool _disposed;

    public WhisperSpeechToTextClient(IOptions<SpeechEngineOptions> options, IMeterFactory meters, ILogger<WhisperSpeechToTextClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _options = options.Value.Whisper;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _slots = new SemaphoreSlim(_options.Processors, _options.Processors);
        _factory = new Lazy<WhisperFactory>(LoadModel, LazyThreadSafetyMode.ExecutionAndPublication);
        _poolWait = meters.Create(SpeechEngines.MeterName).CreateHistogram<double>(
            "audioorchestrator.speech.whisper.pool_wait", "ms", "Time a transcription waited for a free Whisper processor.");
        _metadata = new SpeechToTextClientMetadata("whisper.net", null, Path.GetFileName(_options.ModelPath));
    }

    /// <summary>Null when the model file looks usable; otherwise what is wrong (for the health check).</summary>
    public string? ModelProblem => WhisperModelFile.Problem(_options.ModelPath);

    /// <summary>Loads the model now (instead of on the first utterance); throws with a clear message if it cannot.</summary>
    public void EnsureLoaded() => _ = _factory.Value;

    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var samples = await ReadSamplesAsync(audioSpeechStream, cancellationToken).ConfigureAwait(false);
        var language = options?.SpeechLanguage ?? _options.Language;

        var waitStarted = Stopwatch.GetTimestamp();
        var processor = await RentAsync(cancellationToken).ConfigureAwait(false);
        _poolWait.Record(Stopwatch.GetElapsedTime(waitStarted).TotalMilliseconds);
        var reusable = false;
        try
        {
            processor.ChangeLanguage(language);
            var text = new StringBuilder();
            await foreach (var segment in processor.ProcessAsync(samples, cancellationToken).ConfigureAwait(false))
            {
                text.Append(segment.Text);
            }

            reusable = true;
            return new SpeechToTextResponse(text.ToString().Trim()) { ModelId = _metadata.DefaultModelId };
        }
        finally
        {
            await ReturnAsync(processor, reusable).ConfigureAwait(false);
        }
    }

    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(SpeechToTextClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _idle.Writer.TryComplete();
        while (_idle.Reader.TryRead(out var processor))
        {
            processor.Dispose();
        }

        if (_factory.IsValueCreated)
        {
            _factory.Value.Dispose();
        }

        _slots.Dispose();
    }

    private WhisperFactory LoadModel()
    {
        if (ModelProblem is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        try
        {
            var factory = WhisperFactory.FromPath(_options.ModelPath!);
            LogLoaded(_logger, _options.ModelPath!, _options.Processors, _options.Threads);
            return factory;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"whisper.cpp could not load '{_options.ModelPath}' (Speech:Whisper:ModelPath): {ex.Message}", ex);
        }
    }

    private async Task<WhisperProcessor> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_idle.Reader.TryRead(out var idle))
        {
            return idle;
        }

        try
        {
            return _factory.Value.CreateBuilder().WithThreads(_options.Threads).WithLanguage(_options.Language).Build();
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private async ValueTask ReturnAsync(WhisperProcessor processor, bool reusable)
    {
        if (reusable && !_disposed && _idle.Writer.TryWrite(processor))
        {
            _slots.Release();
            return;
        }

        await processor.DisposeAsync().ConfigureAwait(false);
        if (!_disposed)
        {
            _slots.Release();
        }
    }

    private async Task<float[]> ReadSamplesAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        var audio = WavCodec.Decode(copy.GetBuffer().AsSpan(0, (int)copy.Length)).ToMono();
        if (audio.Duration > _options.MaxAudio)
        {
            throw new InvalidDataException($"The utterance is {audio.Duration.TotalSeconds:0.#} s long; Whisper takes at most {_options.MaxAudio.TotalSeconds:0.#} s (Speech:Whisper:MaxAudio).");
        }

        var at16k = audio.SampleRate == WhisperRate ? audio : audio.ResampleTo(WhisperRate);
        var samples = new float[at16k.Samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = at16k.Samples[i] / 32768f;
        }

        return samples;
    }

    [LoggerMessage(EventId = 6310, Level = LogLevel.Information, Message = "Whisper model {ModelPath} loaded: {Processors} processors of {Threads} threads")]
    private static partial void LogLoaded(ILogger logger, string modelPath, int processors, int threads);
}
