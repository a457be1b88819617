using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech.Native;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Offline text-to-speech with espeak-ng, producing mono PCM16 WAV at espeak's native rate (22050 Hz).
/// </summary>
/// <remarks>
/// espeak-ng keeps process-global state (one voice, one parameter set, one callback), so every synthesis in the process
/// is serialised on one process-wide gate (the only static state here: it guards native state that is process-wide
/// itself) and voice and parameters are re-applied for each call. The engine is never terminated: espeak-ng 1.51 hangs
/// in <c>espeak_Terminate</c> once it has been initialised a second time in a process (two service hosts in one test
/// process did), and the operating system reclaims it at exit.
/// Synthesis runs in espeak's synchronous mode on the thread pool; samples arrive through an
/// <see cref="UnmanagedCallersOnlyAttribute"/> callback that finds the per-call buffer through a
/// <see cref="GCHandle"/> passed as espeak's <c>user_data</c>.
/// </remarks>
public sealed partial class EspeakTextToSpeechClient : ITextToSpeechClient, IDisposable
{
    /// <summary>Media type of the produced audio.</summary>
    public const string MediaType = "audio/wav";

    private const int DefaultPitch = 50;
    private const int DefaultVolume = 100;

    private readonly EspeakOptions _options;
    private readonly ILogger<EspeakTextToSpeechClient> _logger;
    private static readonly SemaphoreSlim EngineGate = new(1, 1);
    private readonly TextToSpeechClientMetadata _metadata;
    private int _sampleRate;
    private bool _disposed;

    /// <summary>Creates the client; espeak-ng is initialised on first use.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public EspeakTextToSpeechClient(IOptions<EspeakOptions> options, ILogger<EspeakTextToSpeechClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        var validation = _options.Validate();
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EspeakOptions), validation.Failures);
        }

        _logger = logger;
        _metadata = new TextToSpeechClientMetadata("espeak-ng", null, _options.Voice);
    }

    /// <summary>Synthesises <paramref name="text"/> into one WAV <see cref="DataContent"/>.</summary>
    /// <remarks>Honours <see cref="TextToSpeechOptions.VoiceId"/> (an espeak voice name), <see cref="TextToSpeechOptions.Speed"/>
    /// (multiplier of <see cref="EspeakOptions.RateWordsPerMinute"/>), <see cref="TextToSpeechOptions.Pitch"/> and
    /// <see cref="TextToSpeechOptions.Volume"/> (multipliers of espeak's defaults).</remarks>
    public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var audio = await SynthesizeAsync(text, options, cancellationToken);
        return new TextToSpeechResponse([new DataContent(WavCodec.Encode(audio), MediaType)])
        {
            ModelId = options?.VoiceId ?? _options.Voice,
        };
    }

    /// <summary>Yields one WAV update per sentence, so the first sentence can play while the rest is synthesised.</summary>
    public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
        string text,
        TextToSpeechOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var responseId = Guid.NewGuid().ToString("N");
        foreach (var sentence in SentenceSplitter.Split(text))
        {
            var audio = await SynthesizeAsync(sentence, options, cancellationToken);
            yield return new TextToSpeechResponseUpdate([new DataContent(WavCodec.Encode(audio), MediaType)])
            {
                Kind = TextToSpeechResponseUpdateKind.AudioUpdating,
                ResponseId = responseId,
                ModelId = options?.VoiceId ?? _options.Voice,
            };
        }
    }

    /// <summary>Synthesises <paramref name="text"/> with the configured voice and rate.</summary>
    public Task<PcmAudio> SynthesizeAsync(string text, CancellationToken ct) => SynthesizeAsync(text, null, ct);

    /// <summary>Synthesises <paramref name="text"/>, applying <paramref name="options"/> where espeak supports them.</summary>
    public async Task<PcmAudio> SynthesizeAsync(string text, TextToSpeechOptions? options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ct.ThrowIfCancellationRequested();

        var settings = ResolveSettings(options);
        await EngineGate.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await Task.Run(() => SynthesizeLocked(text, settings, ct), ct);
        }
        finally
        {
            EngineGate.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(TextToSpeechClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Refuses further synthesis once no synthesis of this client is running; espeak-ng itself stays loaded.</summary>
    public void Dispose()
    {
        EngineGate.Wait();
        try
        {
            _disposed = true;
        }
        finally
        {
            EngineGate.Release();
        }
    }

    private SynthesisSettings ResolveSettings(TextToSpeechOptions? options)
    {
        var voice = string.IsNullOrWhiteSpace(options?.VoiceId) ? _options.Voice : options.VoiceId;
        var speed = options?.Speed is { } s && float.IsFinite(s) && s > 0 ? s : 1f;
        var rate = (int)Math.Clamp(Math.Round(_options.RateWordsPerMinute * speed), EspeakNative.MinimumRate, EspeakNative.MaximumRate);
        var pitch = options?.Pitch is { } p && float.IsFinite(p) && p > 0 ? (int)Math.Clamp(Math.Round(DefaultPitch * p), 0, 100) : DefaultPitch;
        var volume = options?.Volume is { } v && float.IsFinite(v) && v >= 0 ? (int)Math.Clamp(Math.Round(DefaultVolume * v), 0, 200) : DefaultVolume;
        return new SynthesisSettings(voice, rate, pitch, volume);
    }

    // Runs with EngineGate held.
    private unsafe PcmAudio SynthesizeLocked(string text, SynthesisSettings settings, CancellationToken ct)
    {
        EnsureInitialized();
        var stopwatch = Stopwatch.StartNew();

        if (EspeakNative.SetVoiceByName(settings.Voice) != EspeakNative.ErrorOk)
        {
            throw new ArgumentException($"espeak-ng has no voice '{settings.Voice}'.", nameof(settings));
        }

        // Parameters are process-global; set all of them every time so an earlier call's options do not leak.
        Check(EspeakNative.SetParameter(EspeakNative.ParameterRate, settings.Rate, 0), "rate");
        Check(EspeakNative.SetParameter(EspeakNative.ParameterPitch, settings.Pitch, 0), "pitch");
        Check(EspeakNative.SetParameter(EspeakNative.ParameterVolume, settings.Volume, 0), "volume");

        var sink = new SynthesisSink(ct);
        var handle = GCHandle.Alloc(sink);
        try
        {
            var utf8 = new byte[Encoding.UTF8.GetMaxByteCount(text.Length) + 1];
            var length = Encoding.UTF8.GetBytes(text, utf8);
            utf8[length] = 0;
            int result;
            fixed (byte* p = utf8)
            {
                result = EspeakNative.Synth(
                    p,
                    (nuint)(length + 1),
                    0,
                    EspeakNative.PositionCharacter,
                    0,
                    EspeakNative.CharsUtf8 | EspeakNative.EndPause,
                    null,
                    GCHandle.ToIntPtr(handle));
            }

            ct.ThrowIfCancellationRequested();
            if (sink.Failure is not null)
            {
                throw new InvalidOperationException("espeak-ng synthesis callback failed.", sink.Failure);
            }

            if (result != EspeakNative.ErrorOk)
            {
                throw new InvalidOperationException($"espeak-ng: espeak_Synth failed with error {result}.");
            }

            var audio = new PcmAudio(sink.Samples.WrittenSpan.ToArray(), _sampleRate, 1);
            LogSynthesized(_logger, text.Length, settings.Voice, settings.Rate, audio.Duration.TotalMilliseconds, stopwatch.Elapsed.TotalMilliseconds);
            return audio;
        }
        finally
        {
            handle.Free();
        }

        static void Check(int result, string what)
        {
            if (result != EspeakNative.ErrorOk)
            {
                throw new InvalidOperationException($"espeak-ng: setting {what} failed with error {result}.");
            }
        }
    }

    // Runs with EngineGate held.
    private unsafe void EnsureInitialized()
    {
        if (_sampleRate > 0)
        {
            return;
        }

        var rate = EspeakNative.Initialize(EspeakNative.AudioOutputSynchronous, 0, _options.DataPath, EspeakNative.InitializeDontExit);
        if (rate <= 0)
        {
            throw new InvalidOperationException($"espeak-ng failed to initialise (data path: {_options.DataPath ?? "default"}).");
        }

        EspeakNative.SetSynthCallback(&OnSynthesized);
        _sampleRate = rate;
        LogInitialized(_logger, rate);
    }

    /// <summary>espeak's synth callback: appends samples to the sink named by the events' <c>user_data</c>.</summary>
    /// <returns>0 to continue, 1 to abort synthesis.</returns>
    [UnmanagedCallersOnly]
    private static unsafe int OnSynthesized(short* wav, int sampleCount, EspeakEvent* events)
    {
        if (events is null || events->UserData == 0)
        {
            return 1;
        }

        if (GCHandle.FromIntPtr(events->UserData).Target is not SynthesisSink sink)
        {
            return 1;
        }

        try
        {
            if (wav is not null && sampleCount > 0)
            {
                new ReadOnlySpan<short>(wav, sampleCount).CopyTo(sink.Samples.GetSpan(sampleCount));
                sink.Samples.Advance(sampleCount);
            }

            return sink.CancellationToken.IsCancellationRequested ? 1 : 0;
        }
#pragma warning disable CA1031 // Exceptions must not cross into native code; they are rethrown by the caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            sink.Failure = ex;
            return 1;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "espeak-ng initialised at {SampleRate} Hz")]
    private static partial void LogInitialized(ILogger logger, int sampleRate);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Synthesised {Characters} characters with voice {Voice} at {Rate} wpm: {DurationMs:F0} ms of audio in {ElapsedMs:F0} ms")]
    private static partial void LogSynthesized(ILogger logger, int characters, string voice, int rate, double durationMs, double elapsedMs);

    private sealed record SynthesisSettings(string Voice, int Rate, int Pitch, int Volume);

    private sealed class SynthesisSink(CancellationToken cancellationToken)
    {
        public ArrayBufferWriter<short> Samples { get; } = new(22050);

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public Exception? Failure { get; set; }
    }
}
