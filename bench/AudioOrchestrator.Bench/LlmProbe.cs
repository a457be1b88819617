using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Bench;

/// <summary>
/// Language-model turns through the real service (instant tone speech engines) against the local fake OpenAI server
/// with a fixed time to first token and token rate: what the service adds between the end of an utterance and the first
/// answer audio, and how fast a barge-in aborts the model's request.
/// </summary>
public sealed class LlmProbe
{
    public static readonly TimeSpan TimeToFirstToken = TimeSpan.FromMilliseconds(200);
    public const double TokensPerSecond = 50;

    private readonly FakeOpenAiServer _model;
    private readonly IServiceProvider _services;
    private readonly SpeakerAudioPublisher _publisher;
    private readonly SessionOutputHub _outputs;

    public LlmProbe(FakeOpenAiServer model, IServiceProvider services)
    {
        _model = model;
        _services = services;
        _publisher = services.GetRequiredService<SpeakerAudioPublisher>();
        _outputs = services.GetRequiredService<SessionOutputHub>();
    }

    /// <summary>The model's answers: classification "general", then a short first sentence and more, or a long answer to talk over.</summary>
    public static FakeChatReply Answer(FakeChatRequest request) =>
        request.System.StartsWith("You sort requests", StringComparison.Ordinal)
            ? new FakeChatReply { Text = "general", FirstTokenDelay = TimeToFirstToken }
            : new FakeChatReply
            {
                Text = request.LastUser.Contains("song", StringComparison.Ordinal)
                    ? string.Join(' ', Enumerable.Range(1, 150).Select(i => $"Verse {i} of the song."))
                    : "Paris. It is the capital of France and its largest city.",
                FirstTokenDelay = TimeToFirstToken,
                TokensPerSecond = TokensPerSecond,
            };

    /// <summary>
    /// End-of-utterance decision to first answer audio, minus the model's time to first token (as the fake server
    /// measured it for that request) and minus the first sentence's synthesis time; one free question per turn.
    /// </summary>
    public async Task<IReadOnlyList<double>> FirstAudioOverheadAsync(int turns, CancellationToken ct)
    {
        var probe = new TurnProbe(_services);
        var question = TurnProbe.Packets(TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(2100, 400), TestAudio.Silence(100)));
        var overhead = new List<double>();
        for (var i = -3; i < turns; i++)
        {
            var before = _model.Requests.Count;
            var m = await probe.MeasureAsync($"llm-{Guid.NewGuid():N}", question, ct);
            var request = _model.Requests.Skip(before).Single(r => !r.System.StartsWith("You sort requests", StringComparison.Ordinal));
            var timeToFirstToken = (request.FirstChunkAt!.Value - request.ReceivedAt).TotalMilliseconds;
            if (i >= 0)
            {
                overhead.Add(m.Timings.EndOfUtteranceToFirstAudioMs - timeToFirstToken - (m.Timings.TtsFirstAudioMs ?? 0));
            }
        }

        return overhead;
    }

    /// <summary>Speech onset over a long answer that the model is still writing, to the model's request being aborted.</summary>
    public async Task<(IReadOnlyList<double> AbortMs, int Missed)> BargeInAbortAsync(int count, CancellationToken ct)
    {
        var ask = TestAudio.Concat(TestAudio.Tone(880, 600), TestAudio.Silence(100));
        var talkOver = TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(440, 800), TestAudio.Silence(100));
        var results = new List<double>();
        var missed = 0;
        for (var i = -1; i < count; i++)
        {
            var session = "bench-llm-barge-" + Guid.NewGuid().ToString("N")[..8];
            await using var player = new SessionAudioPlayer(session, 10_000, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
            await player.StartAsync(_outputs, ct);
            await player.SetOutputAvailable(true);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var output = PlayAsync(player, stop.Token);
            var before = _model.Requests.Count;
            await SendLiveAsync(session, "asker", ask, onsetPacket: -1, ct);
            var started = Stopwatch.GetTimestamp();
            while (player.PlayedFrames < 25 && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10, ct);
            }

            var request = _model.Requests.Skip(before).LastOrDefault(r => r.LastUser.Contains("song", StringComparison.Ordinal) && !r.System.StartsWith("You sort", StringComparison.Ordinal));
            var onsetAt = await SendLiveAsync(session, "listener", talkOver, onsetPacket: 5, ct);
            var waited = Stopwatch.GetTimestamp();
            while (request is { Aborted: false } && Stopwatch.GetElapsedTime(waited) < TimeSpan.FromSeconds(3))
            {
                await Task.Delay(2, ct);
            }

            await stop.CancelAsync();
            await output;
            if (i < 0)
            {
                continue; // warm-up
            }

            if (request?.AbortedAt is { } abortedAt)
            {
                results.Add((abortedAt - onsetAt).TotalMilliseconds);
            }
            else
            {
                missed++;
            }
        }

        return (results, missed);
    }

    /// <summary>Sends live packets at real time; returns when the packet with index <paramref name="onsetPacket"/> was published.</summary>
    private async Task<DateTimeOffset> SendLiveAsync(string session, string speaker, PcmAudio audio, int onsetPacket, CancellationToken ct)
    {
        var stream = _publisher.GetWriter(new SpeakerRef(session, speaker));
        var onsetAt = DateTimeOffset.MinValue;
        await LiveAudio.SendAsync(
            async (sequence, packets) =>
            {
                if (onsetPacket >= sequence && onsetPacket < sequence + packets.Length)
                {
                    onsetAt = DateTimeOffset.UtcNow;
                }

                await stream.Publish(new OpusFrameBatch(sequence, packets, DateTimeOffset.UtcNow));
            },
            audio,
            0,
            ct);
        return onsetAt;
    }

    private static async Task PlayAsync(SessionAudioPlayer player, CancellationToken ct)
    {
        try
        {
            while (await player.Frames.WaitToReadAsync(ct))
            {
                while (player.Frames.TryRead(out _))
                {
                    await Task.Delay(20, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
