using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Speech;

/// <summary>A speech engine a stage can use.</summary>
public enum SpeechEngineKind
{
    /// <summary>In-process and offline: pocketsphinx (speech-to-text) and espeak-ng (text-to-speech).</summary>
    Embedded,

    /// <summary>Whisper in-process through Whisper.net with a ggml model file (speech-to-text only).</summary>
    Whisper,

    /// <summary>OpenAI or any OpenAI-compatible audio server (speaches, whisper.cpp server, vLLM): section <c>Speech:OpenAI</c>.</summary>
    OpenAI,

    /// <summary>Azure OpenAI audio deployments: section <c>Speech:AzureOpenAI</c>.</summary>
    AzureOpenAI,
}

/// <summary>
/// The speech engines (section <c>Speech</c>). <c>Speech:SpeechToText</c> and <c>Speech:TextToSpeech</c> name the
/// engine of each stage (<c>Speech:SpeechToText:Engine</c> works too); <c>...:Fallback:{n}</c> lists the engines that
/// take over, in order, when it fails before its first byte; the embedded engine always ends the chain.
/// </summary>
public sealed class SpeechEngineOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Speech";

    /// <summary>Speech-to-text: engine, fallbacks, time to first result, language.</summary>
    public SpeechStageOptions SpeechToText { get; set; } = new();

    /// <summary>Text-to-speech: engine, fallbacks, time to first audio byte, voice.</summary>
    public SpeechStageOptions TextToSpeech { get; set; } = new();

    /// <summary>Whisper in-process (<c>Speech:Whisper</c>).</summary>
    public WhisperOptions Whisper { get; set; } = new();

    /// <summary>OpenAI or an OpenAI-compatible server, both directions (<c>Speech:OpenAI</c>).</summary>
    public OpenAISpeechOptions OpenAI { get; set; } = new();

    /// <summary>Azure OpenAI (<c>Speech:AzureOpenAI</c>).</summary>
    public AzureOpenAISpeechOptions AzureOpenAI { get; set; } = new();

    /// <summary>How long a failing cloud engine is kept out of the chain.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>Per-guild engine, language and voice (<c>Speech:Guilds:{guildId}</c>).</summary>
    public Dictionary<string, SpeechGuildOptions> Guilds { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One stage of the speech path (speech-to-text or text-to-speech).</summary>
public sealed class SpeechStageOptions
{
    /// <summary>The engine tried first.</summary>
    public SpeechEngineKind Engine { get; set; } = SpeechEngineKind.Embedded;

    /// <summary>Engines that take over, in order, when the one before fails; <see cref="SpeechEngineKind.Embedded"/> is appended if missing.</summary>
    public List<SpeechEngineKind> Fallback { get; set; } = [];

    /// <summary>How long a cloud engine may take to its first result or audio byte before the next engine is asked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan FirstByteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Speech-to-text: the spoken language (ISO-639-1, e.g. <c>en</c>); null lets the engine detect it.</summary>
    public string? Language { get; set; }

    /// <summary>Text-to-speech: the voice of cloud engines (e.g. <c>alloy</c>); null uses the engine's own default.</summary>
    public string? Voice { get; set; }

    /// <summary>
    /// Text-to-speech: what cloud engines are asked for. <see cref="CloudSpeechFormat.Opus"/> (Ogg Opus at 48 kHz) is
    /// sent to the voice channel packet by packet without decoding when its packets are 20 ms;
    /// <see cref="CloudSpeechFormat.Wav"/> or <see cref="CloudSpeechFormat.Pcm"/> for servers without Opus (resampled and
    /// encoded as they arrive).
    /// </summary>
    public CloudSpeechFormat AudioFormat { get; set; } = CloudSpeechFormat.Opus;

    /// <summary>Text-to-speech: speed multiplier (0.25 to 4).</summary>
    [Range(0.25, 4.0)]
    public double? Speed { get; set; }

    /// <summary>The chain: the engine, its fallbacks, then the embedded engine; each once.</summary>
    public IReadOnlyList<SpeechEngineKind> Chain() =>
        [.. new[] { Engine }.Concat(Fallback).Append(SpeechEngineKind.Embedded).Distinct()];
}

/// <summary>The audio format asked of a cloud text-to-speech engine.</summary>
public enum CloudSpeechFormat
{
    /// <summary>Ogg Opus (OpenAI <c>opus</c>).</summary>
    Opus,

    /// <summary>WAV (OpenAI <c>wav</c>).</summary>
    Wav,

    /// <summary>Raw 16-bit mono PCM at 24 kHz (OpenAI <c>pcm</c>): no container, the least latency to the first sample.</summary>
    Pcm,
}

/// <summary>Whisper.net in-process.</summary>
public sealed class WhisperOptions
{
    /// <summary>Path of a ggml Whisper model file (e.g. <c>ggml-base.en.bin</c>), which the user downloads.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Spoken language (<c>en</c>, <c>de</c>, ...) or <c>auto</c>.</summary>
    public string Language { get; set; } = "auto";

    /// <summary>CPU threads per processor.</summary>
    [Range(1, 64)]
    public int Threads { get; set; } = Math.Max(1, Math.Min(4, Environment.ProcessorCount));

    /// <summary>Processors per silo, shared by every speaker; a request waits for a free one.</summary>
    [Range(1, 64)]
    public int Processors { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>The longest audio one request may carry.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxAudio { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>OpenAI or an OpenAI-compatible server: one section serves both directions.</summary>
public sealed class OpenAISpeechOptions
{
    /// <summary>Base URL, e.g. <c>http://127.0.0.1:8000/v1</c>; null means api.openai.com.</summary>
    public string? Endpoint { get; set; }

    /// <summary>API key (self-hosted servers usually take any).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Transcription model (<c>gpt-4o-mini-transcribe</c>, <c>whisper-1</c>, or a self-hosted model id).</summary>
    public string TranscriptionModel { get; set; } = "gpt-4o-mini-transcribe";

    /// <summary>
    /// Ask for the transcript as a stream of text deltas (<c>stream=true</c>), so the first-byte timeout counts to the
    /// first words rather than the whole transcript. Null: only for the models OpenAI streams (names starting
    /// <c>gpt-4o</c>); a plain request otherwise (<c>whisper-1</c>, most self-hosted servers).
    /// </summary>
    public bool? StreamTranscription { get; set; }

    /// <summary>Speech model (<c>gpt-4o-mini-tts</c>, <c>tts-1</c>, or a self-hosted model id).</summary>
    public string SpeechModel { get; set; } = "gpt-4o-mini-tts";

    /// <summary>Voice of the speech model.</summary>
    public string Voice { get; set; } = "alloy";

    /// <summary>Whether transcription requests stream (<see cref="StreamTranscription"/>, or decided by the model).</summary>
    public bool StreamsTranscription => StreamTranscription ?? TranscriptionModel.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Azure OpenAI: the resource endpoint, the two deployments, and a key or Entra ID.</summary>
public sealed class AzureOpenAISpeechOptions
{
    /// <summary>Resource endpoint, e.g. <c>https://my-resource.openai.azure.com/</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>API key; without one, Entra ID (<c>DefaultAzureCredential</c>) is used.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deployment of a transcription model.</summary>
    public string? TranscriptionDeployment { get; set; }

    /// <summary>Deployment of a speech model.</summary>
    public string? SpeechDeployment { get; set; }

    /// <summary>Ask for the transcript as a stream of text deltas; set it when the deployment's model streams (gpt-4o-transcribe, gpt-4o-mini-transcribe).</summary>
    public bool StreamTranscription { get; set; }

    /// <summary>Voice of the speech model.</summary>
    public string Voice { get; set; } = "alloy";
}

/// <summary>One guild's speech (<c>Speech:Guilds:{guildId}</c>); unset keys inherit.</summary>
public sealed class SpeechGuildOptions
{
    /// <summary>The guild's speech-to-text engine (its chain: this engine, then the embedded one).</summary>
    public SpeechEngineKind? SpeechToText { get; set; }

    /// <summary>The guild's text-to-speech engine (its chain: this engine, then the embedded one).</summary>
    public SpeechEngineKind? TextToSpeech { get; set; }

    /// <summary>The spoken language of the guild.</summary>
    public string? Language { get; set; }

    /// <summary>The voice answers are spoken with.</summary>
    public string? Voice { get; set; }
}
