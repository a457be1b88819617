using System.Diagnostics.Metrics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech.Tests.Engines;

/// <summary>Whisper.net with the real native runtime on a model file the test writes (see <see cref="WhisperTestModel"/>).</summary>
public sealed class WhisperSpeechToTextTests : IDisposable
{
    // Magic, eleven hyper-parameters, then 80 x 201 mel filter floats: the vocabulary's word count follows.
    private const int VocabularyOffset = 4 + (11 * 4) + 8 + (80 * 201 * 4);

    private readonly string _directory = Directory.CreateTempSubdirectory("whisper-tests-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_empty_test_model_loads_and_transcribes_16_kHz_and_48_kHz_wav_through_the_pool()
    {
        using var whisper = Client(WhisperTestModel.Write(_directory), processors: 2);
        Assert.Null(whisper.ModelProblem);

        // Meaningless text from an empty model, but a real pass through whisper.cpp: load, mel, encode, decode.
        var at16k = await whisper.GetTextAsync(Wav(TestAudio.Tone(440, 1000, 16_000)), cancellationToken: Ct);
        var at48k = await whisper.GetTextAsync(Wav(TestAudio.Tone(440, 1000, 48_000)), new SpeechToTextOptions { SpeechLanguage = "en" }, Ct);

        Assert.NotNull(at16k.Text);
        Assert.NotNull(at48k.Text);
        Assert.Equal("for-tests-ggml-narrow.bin", at16k.ModelId);
    }

    [Fact]
    public async Task Eight_speakers_at_once_share_two_processors()
    {
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = metrics.GetRequiredService<IMeterFactory>();
        var waits = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "audioorchestrator.speech.whisper.pool_wait")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref waits));
        listener.Start();
        using var whisper = Client(WhisperTestModel.Write(_directory), processors: 2, meters);

        var all = Enumerable.Range(0, 8).Select(_ => whisper.GetTextAsync(Wav(TestAudio.Tone(440, 500, 16_000)), cancellationToken: Ct));
        var responses = await Task.WhenAll(all).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.Equal(8, responses.Length);
        Assert.Equal(8, Volatile.Read(ref waits));
    }

    [Fact]
    public async Task A_request_cancelled_while_whisper_runs_or_while_it_waits_for_a_processor_ends_and_the_pool_goes_on()
    {
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var whisper = Client(WhisperTestModel.Write(_directory), processors: 1, metrics.GetRequiredService<IMeterFactory>());
        using var running = new CancellationTokenSource();
        using var waiting = new CancellationTokenSource();

        // The pool-wait measurement is taken the moment a request holds a processor: cancel that request there.
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "audioorchestrator.speech.whisper.pool_wait")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => running.Cancel());
        listener.Start();

        var first = whisper.GetTextAsync(Wav(TestAudio.Tone(440, 20_000, 16_000)), cancellationToken: running.Token);
        var second = whisper.GetTextAsync(Wav(TestAudio.Tone(440, 500, 16_000)), cancellationToken: waiting.Token);
        await waiting.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        listener.Dispose();

        var after = await whisper.GetTextAsync(Wav(TestAudio.Tone(440, 500, 16_000)), cancellationToken: Ct);
        Assert.NotNull(after.Text);
    }

    [Fact]
    public async Task A_missing_foreign_truncated_or_wordless_model_file_says_what_is_wrong_and_never_reaches_whisper_cpp()
    {
        var good = await File.ReadAllBytesAsync(WhisperTestModel.Write(_directory), Ct);
        async Task<string> WriteAsync(string name, byte[] bytes)
        {
            var path = Path.Combine(_directory, name);
            await File.WriteAllBytesAsync(path, bytes, Ct);
            return path;
        }

        var cases = new (string Path, string Expected)[]
        {
            (Path.Combine(_directory, "ggml-base.en.bin"), "does not exist"),
            (await WriteAsync("model.gguf", "GGUF\u0003\0\0\0 not a ggml whisper model"u8.ToArray()), "not a ggml Whisper model"),
            (await WriteAsync("cut-in-header.bin", good[..40]), "ends inside its header"),
            (await WriteAsync("cut-in-filters.bin", good[..1000]), "ends inside its mel filter bank"),
            (await WriteAsync("cut-in-vocabulary.bin", good[..^100]), "inside its vocabulary"),
            (await WriteAsync("no-space.bin", [.. good[..VocabularyOffset], 1, 0, 0, 0, 1, 0, 0, 0, (byte)'a']), "without the single-space token"),
            (await WriteAsync("huge-header.bin", [.. good[..4], .. BitConverter.GetBytes(int.MaxValue), .. good[8..]]), "impossible header value"),
        };

        foreach (var (path, expected) in cases)
        {
            using var whisper = Client(path, 1);
            Assert.Contains(expected, whisper.ModelProblem, StringComparison.Ordinal);

            // The problem is the error: whisper.cpp (which would abort the process on such a file) is never called.
            var error = Assert.Throws<InvalidOperationException>(whisper.EnsureLoaded);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<InvalidOperationException>(() => whisper.GetTextAsync(Wav(TestAudio.Tone(440, 500, 16_000)), cancellationToken: Ct));
        }

        Assert.Contains("ModelPath is not set", WhisperModelFile.Problem(null), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audio_over_the_limit_and_bytes_that_are_not_wav_are_refused_before_whisper_runs()
    {
        using var whisper = Client(WhisperTestModel.Write(_directory), processors: 1, maxAudio: TimeSpan.FromSeconds(2));

        var tooLong = await Assert.ThrowsAsync<InvalidDataException>(() => whisper.GetTextAsync(Wav(TestAudio.Tone(440, 3000, 16_000)), cancellationToken: Ct));
        Assert.Contains("Speech:Whisper:MaxAudio", tooLong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => whisper.GetTextAsync(new MemoryStream("not a wav file at all"u8.ToArray()), cancellationToken: Ct));
    }

    private static MemoryStream Wav(PcmAudio audio) => new(WavCodec.Encode(audio));

    private static WhisperSpeechToTextClient Client(string modelPath, int processors, IMeterFactory? meters = null, TimeSpan? maxAudio = null)
    {
        var options = new SpeechEngineOptions();
        options.Whisper.ModelPath = modelPath;
        options.Whisper.Processors = processors;
        options.Whisper.Threads = 1;
        options.Whisper.Language = "en";
        options.Whisper.MaxAudio = maxAudio ?? TimeSpan.FromSeconds(30);
        meters ??= new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new WhisperSpeechToTextClient(Options.Create(options), meters, NullLogger<WhisperSpeechToTextClient>.Instance);
    }
}
