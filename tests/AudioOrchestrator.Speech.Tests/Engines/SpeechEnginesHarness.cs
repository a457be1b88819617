using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Speech.Tests.Engines;

/// <summary>The real engine registry against the fake OpenAI server, with tone engines in the embedded place.</summary>
internal sealed class SpeechEnginesHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private SpeechEnginesHarness(FakeOpenAiServer server, SpeechEngineOptions options, FakeTimeProvider time)
    {
        Server = server;
        Options = options;
        Time = time;
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddKeyedSingleton<ISpeechToTextClient>(SpeechEngineKind.Embedded, Embedded);
        services.AddKeyedSingleton<ITextToSpeechClient>(SpeechEngineKind.Embedded, new ToneTextToSpeech());
        services.AddSingleton<WhisperSpeechToTextClient>();
        services.AddSingleton<SpeechEngines>();
        _services = services.BuildServiceProvider();
        Engines = _services.GetRequiredService<SpeechEngines>();
    }

    public FakeOpenAiServer Server { get; }

    public SpeechEngineOptions Options { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The embedded speech-to-text: hears the default tone phrases.</summary>
    public ToneSpeechToText Embedded { get; } = new();

    public SpeechEngines Engines { get; }

    public static async Task<SpeechEnginesHarness> StartAsync(Action<SpeechEngineOptions, FakeOpenAiServer>? configure = null)
    {
        var server = await FakeOpenAiServer.StartAsync();
        var options = new SpeechEngineOptions();
        options.OpenAI.Endpoint = server.BaseUrl.ToString();
        options.OpenAI.ApiKey = "sk-speech";
        options.AzureOpenAI.Endpoint = server.AzureEndpoint.ToString();
        options.AzureOpenAI.ApiKey = "azure-key";
        options.AzureOpenAI.TranscriptionDeployment = "transcribe";
        options.AzureOpenAI.SpeechDeployment = "speak";
        configure?.Invoke(options, server);
        var validation = new SpeechEngineOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException("Speech", typeof(SpeechEngineOptions), validation.Failures);
        }

        return new SpeechEnginesHarness(server, options, new FakeTimeProvider(DateTimeOffset.UtcNow));
    }

    /// <summary>A WAV of the 440 Hz tone that the embedded (tone) engine hears as "echo hello world".</summary>
    public static MemoryStream Utterance() => new(Audio.WavCodec.Encode(TestAudio.Tone(440, 600, 16_000)));

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
