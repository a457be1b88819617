using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI.Audio;

namespace AudioOrchestrator.Speech;

/// <summary>The speech engines of one guild (or of sessions without a guild).</summary>
public interface IGuildSpeechEngines
{
    /// <summary>Speech-to-text for the guild: its chain with its language; null guild id for the default.</summary>
    ISpeechToTextClient SpeechToText(string? guildId);

    /// <summary>Text-to-speech for the guild: its chain with its voice; null guild id for the default.</summary>
    ITextToSpeechClient TextToSpeech(string? guildId);

    /// <summary>True when the guild has its own engine, language or voice in <c>Speech:Guilds</c>.</summary>
    bool HasOverrides(string? guildId);
}

/// <summary>
/// Builds the configured engines once (each with one circuit breaker, shared by every chain that uses it) and the chains
/// per guild: <c>Speech:SpeechToText</c> / <c>Speech:TextToSpeech</c> with their fallbacks, or a guild's own engine
/// from <c>Speech:Guilds:{guildId}</c> followed by the embedded one. The embedded engines come from the container
/// (keyed <see cref="SpeechEngineKind.Embedded"/>), so a host can put its own in their place.
/// </summary>
public sealed class SpeechEngines : IGuildSpeechEngines, IDisposable
{
    /// <summary>Meter of the fallback counter (<c>audioorchestrator.speech.fallbacks</c>).</summary>
    public const string MeterName = "AudioOrchestrator.Speech";

    private readonly SpeechEngineOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<SpeechEngines> _logger;
    private readonly Counter<long> _fallbacks;
    private readonly ConcurrentDictionary<SpeechEngineKind, Lazy<SpeechEngineLink<ISpeechToTextClient>>> _stt = new();
    private readonly ConcurrentDictionary<SpeechEngineKind, Lazy<SpeechEngineLink<ITextToSpeechClient>>> _tts = new();
    private readonly ConcurrentDictionary<string, ISpeechToTextClient> _sttChains = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ITextToSpeechClient> _ttsChains = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<IDisposable> _owned = [];

    // Cancelled requests close their connection at once instead of draining the rest.
    private readonly HttpClient _http = OpenAIClients.CreateHttpClient();

    public SpeechEngines(IOptions<SpeechEngineOptions> options, IServiceProvider services, TimeProvider time, IMeterFactory meters, ILogger<SpeechEngines> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _options = options.Value;
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _fallbacks = meters.Create(MeterName).CreateCounter<long>(
            "audioorchestrator.speech.fallbacks", description: "Utterances or sentences handed from a failing speech engine to the next (tags stage, from, to).");
    }

    /// <summary>The speech-to-text chain of sessions without a guild override.</summary>
    public IReadOnlyList<SpeechEngineKind> DefaultSpeechToTextChain => _options.SpeechToText.Chain();

    /// <summary>The text-to-speech chain of sessions without a guild override.</summary>
    public IReadOnlyList<SpeechEngineKind> DefaultTextToSpeechChain => _options.TextToSpeech.Chain();

    /// <summary>True when Whisper is in the default speech-to-text chain or a guild's.</summary>
    public bool UsesWhisper =>
        _options.SpeechToText.Chain().Contains(SpeechEngineKind.Whisper) || _options.Guilds.Values.Any(g => g.SpeechToText == SpeechEngineKind.Whisper);

    public bool HasOverrides(string? guildId) => guildId is not null && _options.Guilds.ContainsKey(guildId);

    public ISpeechToTextClient SpeechToText(string? guildId)
    {
        var guild = Guild(guildId);
        var chain = guild?.SpeechToText is { } engine ? [engine, SpeechEngineKind.Embedded] : _options.SpeechToText.Chain();
        var language = guild?.Language ?? _options.SpeechToText.Language;
        var key = string.Join(',', chain) + "|" + language;
        return _sttChains.GetOrAdd(key, _ => new FallbackSpeechToTextClient(
            new SpeechEngineChain<ISpeechToTextClient>("speech-to-text", [.. chain.Distinct().Select(SpeechToTextEngine)], _options.SpeechToText.FirstByteTimeout, _time, _fallbacks, _logger),
            language));
    }

    public ITextToSpeechClient TextToSpeech(string? guildId)
    {
        var guild = Guild(guildId);
        var chain = guild?.TextToSpeech is { } engine ? [engine, SpeechEngineKind.Embedded] : _options.TextToSpeech.Chain();
        var voice = guild?.Voice ?? _options.TextToSpeech.Voice;
        var key = string.Join(',', chain) + "|" + voice;
        return _ttsChains.GetOrAdd(key, _ => new FallbackTextToSpeechClient(
            new SpeechEngineChain<ITextToSpeechClient>("text-to-speech", [.. chain.Distinct().Select(TextToSpeechEngine)], _options.TextToSpeech.FirstByteTimeout, _time, _fallbacks, _logger),
            voice,
            _options.TextToSpeech.Speed));
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _http.Dispose();
    }

    private SpeechGuildOptions? Guild(string? guildId) =>
        guildId is not null && _options.Guilds.TryGetValue(guildId, out var guild) ? guild : null;

    private SpeechEngineLink<ISpeechToTextClient> SpeechToTextEngine(SpeechEngineKind kind) => _stt.GetOrAdd(kind, k => new(() =>
        new SpeechEngineLink<ISpeechToTextClient>(k, CreateSpeechToText(k), new CircuitBreaker(_options.CircuitBreaker)))).Value;

    private SpeechEngineLink<ITextToSpeechClient> TextToSpeechEngine(SpeechEngineKind kind) => _tts.GetOrAdd(kind, k => new(() =>
        new SpeechEngineLink<ITextToSpeechClient>(k, CreateTextToSpeech(k), new CircuitBreaker(_options.CircuitBreaker)))).Value;

    private ISpeechToTextClient CreateSpeechToText(SpeechEngineKind kind) => kind switch
    {
        SpeechEngineKind.Embedded => _services.GetRequiredKeyedService<ISpeechToTextClient>(SpeechEngineKind.Embedded),
        SpeechEngineKind.Whisper => _services.GetRequiredService<WhisperSpeechToTextClient>(),
        SpeechEngineKind.OpenAI => Own(new CloudSpeechToTextClient(
            OpenAIAudio(_options.OpenAI.TranscriptionModel).AsISpeechToTextClient(), _options.OpenAI.StreamsTranscription)),
        SpeechEngineKind.AzureOpenAI => Own(new CloudSpeechToTextClient(
            AzureAudio(_options.AzureOpenAI.TranscriptionDeployment!).AsISpeechToTextClient(), _options.AzureOpenAI.StreamTranscription)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown speech engine."),
    };

    private ITextToSpeechClient CreateTextToSpeech(SpeechEngineKind kind) => kind switch
    {
        SpeechEngineKind.Embedded => _services.GetRequiredKeyedService<ITextToSpeechClient>(SpeechEngineKind.Embedded),
        SpeechEngineKind.OpenAI => Own(new CloudTextToSpeechClient(
            OpenAIAudio(_options.OpenAI.SpeechModel), _options.OpenAI.SpeechModel, _options.OpenAI.Voice, _options.TextToSpeech.AudioFormat)),
        SpeechEngineKind.AzureOpenAI => Own(new CloudTextToSpeechClient(
            AzureAudio(_options.AzureOpenAI.SpeechDeployment!), _options.AzureOpenAI.SpeechDeployment!, _options.AzureOpenAI.Voice, _options.TextToSpeech.AudioFormat)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} has no text-to-speech."),
    };

    private T Own<T>(T client)
        where T : IDisposable
    {
        _owned.Add(client);
        return client;
    }

    private AudioClient OpenAIAudio(string model) =>
        OpenAIClients.OpenAI(_options.OpenAI.Endpoint, _options.OpenAI.ApiKey, _http, new ErrorBodyPolicy()).GetAudioClient(model);

    private AudioClient AzureAudio(string deployment) =>
        OpenAIClients.Azure(_options.AzureOpenAI.Endpoint!, _options.AzureOpenAI.ApiKey, _http, new ErrorBodyPolicy()).GetAudioClient(deployment);
}
