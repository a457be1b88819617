using System.Diagnostics;
using System.Diagnostics.Metrics;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Bench;

/// <summary>
/// The speech engines' own costs, with the real engine registry and clients against the local fake OpenAI server:
/// cloud speech from the server's first audio byte to the first batch of Opus frames ready to publish, the body read as
/// it streams (Ogg Opus passed through, against WAV and raw PCM resampled and encoded, side by side); a stalled cloud transcriber to the embedded engine's
/// transcript; and the Whisper processor pool's wait on the empty test model (no contention: the pool's own cost;
/// 8 speakers on 2 processors: the queueing the bound causes).
/// </summary>
public static class SpeechProbe
{
    public static readonly TimeSpan FallbackTimeout = TimeSpan.FromMilliseconds(200);

    public static async Task<IReadOnlyList<double>> CloudFirstAudioOverheadAsync(CloudSpeechFormat format, int sentences, CancellationToken ct)
    {
        await using var server = await FakeOpenAiServer.StartAsync();
        using var services = Engines(server, o =>
        {
            o.TextToSpeech.Engine = SpeechEngineKind.OpenAI;
            o.TextToSpeech.AudioFormat = format;
        });
        var tts = services.GetRequiredService<SpeechEngines>().TextToSpeech(null);
        var overhead = new List<double>();
        for (var i = -3; i < sentences; i++)
        {
            var text = $"Sentence number {i + 10} of the answer is here.";
            using var writer = new OpusFrameWriter(2);
            SynthesizedSpeechReader? reader = null;
            var frames = new List<byte[]>();
            await foreach (var update in tts.GetStreamingAudioAsync(text, cancellationToken: ct))
            {
                // What the synthesis stage does before its first publish: read the body as it streams in until a
                // batch (5 frames) and one more are ready. Opus packets pass through; WAV/PCM are resampled and encoded.
                var content = update.Contents.OfType<DataContent>().Single();
                reader ??= new SynthesizedSpeechReader(content.MediaType);
                reader.Append(content.Data.Span, writer, frames);
                if (frames.Count < 6)
                {
                    continue;
                }

                var ready = Stopwatch.GetTimestamp();
                var firstByte = server.Speeches[^1].FirstByteTimestamp;
                if (i >= 0)
                {
                    overhead.Add(Stopwatch.GetElapsedTime(firstByte, ready).TotalMilliseconds);
                }

                break;
            }

            reader?.Dispose();
        }

        return overhead;
    }

    /// <summary>
    /// A server that takes <paramref name="pieceDelay"/> per 100 ms piece of a 2-3 s sentence (a model speaking as it
    /// generates): from the request to the first batch of frames ready, streamed, against the whole body received
    /// (what reading it whole would wait for), side by side per sentence.
    /// </summary>
    public static async Task<(IReadOnlyList<double> Streamed, IReadOnlyList<double> Whole)> StreamedAgainstWholeAsync(TimeSpan pieceDelay, int sentences, CancellationToken ct)
    {
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Speak = _ => new FakeAudioReply { PieceDelay = pieceDelay };
        using var services = Engines(server, o =>
        {
            o.TextToSpeech.Engine = SpeechEngineKind.OpenAI;
            o.TextToSpeech.AudioFormat = CloudSpeechFormat.Pcm;
        });
        var tts = services.GetRequiredService<SpeechEngines>().TextToSpeech(null);
        var streamed = new List<double>();
        var whole = new List<double>();
        for (var i = -1; i < sentences; i++)
        {
            var started = Stopwatch.GetTimestamp();
            double? firstReady = null;
            using var writer = new OpusFrameWriter(2);
            SynthesizedSpeechReader? reader = null;
            var frames = new List<byte[]>();
            await foreach (var update in tts.GetStreamingAudioAsync($"Sentence {i} of a long answer that goes on.", cancellationToken: ct))
            {
                var content = update.Contents.OfType<DataContent>().Single();
                reader ??= new SynthesizedSpeechReader(content.MediaType);
                reader.Append(content.Data.Span, writer, frames);
                if (frames.Count >= 6)
                {
                    firstReady ??= Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            reader?.Dispose();
            if (i >= 0)
            {
                streamed.Add(firstReady ?? double.NaN);
                whole.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        return (streamed, whole);
    }

    /// <summary>Total time of a transcription whose cloud engine stalls, and the embedded engine's own time for the same audio.</summary>
    public static async Task<(IReadOnlyList<double> Total, IReadOnlyList<double> EmbeddedAlone)> SttFallbackAsync(int utterances, CancellationToken ct)
    {
        await using var server = await FakeOpenAiServer.StartAsync();
        server.Transcribe = _ => FakeAudioReply.Stall();
        using var services = Engines(server, o =>
        {
            o.SpeechToText.Engine = SpeechEngineKind.OpenAI;
            o.SpeechToText.FirstByteTimeout = FallbackTimeout;
            o.CircuitBreaker.FailureThreshold = 100; // every utterance takes the timeout path
        });
        var stt = services.GetRequiredService<SpeechEngines>().SpeechToText(null);
        var embedded = services.GetRequiredKeyedService<ISpeechToTextClient>(SpeechEngineKind.Embedded);
        var wav = Audio.WavCodec.Encode(TestAudio.Tone(440, 1500, 16_000));
        var total = new List<double>();
        var alone = new List<double>();
        for (var i = -2; i < utterances; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var heard = await stt.GetTextAsync(new MemoryStream(wav), cancellationToken: ct);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            started = Stopwatch.GetTimestamp();
            await embedded.GetTextAsync(new MemoryStream(wav), cancellationToken: ct);
            var own = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (heard.Text != "echo hello world")
            {
                throw new InvalidOperationException($"The fallback heard '{heard.Text}'.");
            }

            if (i >= 0)
            {
                total.Add(elapsed);
                alone.Add(own);
            }
        }

        return (total, alone);
    }

    /// <summary>Pool waits of <paramref name="speakers"/> concurrent requests, <paramref name="rounds"/> times, on the empty test model.</summary>
    public static async Task<IReadOnlyList<double>> WhisperPoolWaitsAsync(int speakers, int processors, int rounds, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("whisper-bench-").FullName;
        try
        {
            using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var waits = new List<double>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "audioorchestrator.speech.whisper.pool_wait")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
            {
                lock (waits)
                {
                    waits.Add(value);
                }
            });
            listener.Start();
            var options = new SpeechEngineOptions();
            options.Whisper.ModelPath = WhisperTestModel.Write(directory);
            options.Whisper.Processors = processors;
            options.Whisper.Threads = 1;
            options.Whisper.Language = "en";
            using var whisper = new WhisperSpeechToTextClient(Options.Create(options), metrics.GetRequiredService<IMeterFactory>(), NullLogger<WhisperSpeechToTextClient>.Instance);
            var wav = Audio.WavCodec.Encode(TestAudio.Tone(440, 500, 16_000));
            for (var round = -1; round < rounds; round++)
            {
                if (round == 0)
                {
                    lock (waits)
                    {
                        waits.Clear(); // the warm-up round created the processors
                    }
                }

                await Task.WhenAll(Enumerable.Range(0, speakers).Select(_ => Task.Run(() => whisper.GetTextAsync(new MemoryStream(wav), cancellationToken: ct), ct)));
            }

            lock (waits)
            {
                return [.. waits];
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ServiceProvider Engines(FakeOpenAiServer server, Action<SpeechEngineOptions> configure)
    {
        var options = new SpeechEngineOptions();
        options.OpenAI.Endpoint = server.BaseUrl.ToString();
        configure(options);
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddKeyedSingleton<ISpeechToTextClient>(SpeechEngineKind.Embedded, new ToneSpeechToText());
        services.AddKeyedSingleton<ITextToSpeechClient>(SpeechEngineKind.Embedded, new ToneTextToSpeech());
        services.AddSingleton<WhisperSpeechToTextClient>();
        services.AddSingleton<SpeechEngines>();
        return services.BuildServiceProvider();
    }
}
