using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Playback;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Bench;

/// <summary>
/// Barge-in through the real service and the real <see cref="SessionAudioPlayer"/>: one live speaker asks for a long
/// answer, the player plays it to a paced output (one frame per 20 ms), another live speaker says "ok" over it. The
/// clock runs from publishing the first audio-in packet that contains the speech onset to the player holding its
/// frames (<see cref="SessionAudioPlayer.IsPaused"/>); the backchannel then resumes the answer.
/// </summary>
public sealed class BargeInProbe(IServiceProvider services)
{
    private readonly SpeakerAudioPublisher _publisher = services.GetRequiredService<SpeakerAudioPublisher>();
    private readonly SessionOutputHub _outputs = services.GetRequiredService<SessionOutputHub>();
    private readonly ITextToSpeechClient _tts = services.GetRequiredService<ITextToSpeechClient>();
    private readonly Dictionary<string, long> _sequences = [];


    /// <returns>Onset-to-stopped times in milliseconds, and how many barge-ins were not noticed within 2 s.</returns>
    public async Task<(IReadOnlyList<double> StopMs, int Missed)> MeasureAsync(int count, CancellationToken ct)
    {
        var session = "bench-barge-" + Guid.NewGuid().ToString("N")[..8];
        var question = TestAudio.Concat(await SpeakAsync("echo the weather is nice today and we will see you next week", ct), TestAudio.Silence(100));
        var backchannel = TestAudio.Concat(TestAudio.Silence(200), await SpeakAsync("ok", ct));
        var onsetPacket = FirstLoudFrame(backchannel);
        await using var player = new SessionAudioPlayer(session, 10_000, _ => Task.CompletedTask, NullLogger<SessionAudioPlayer>.Instance);
        await player.StartAsync(_outputs, ct);
        await player.SetOutputAvailable(true);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var output = PlayAsync(player, stop.Token);
        var results = new List<double>();
        var missed = 0;
        for (var i = 0; i < count + 1; i++)
        {
            if (player.QueuedFrames < 60)
            {
                // Nothing (or under 1.2 s) left to talk over: ask again and wait until the answer plays.
                await SendLiveAsync(session, "asker", question, onsetPacket: -1, ct);
                var deadline = Stopwatch.GetTimestamp();
                while (player.QueuedFrames < 60 && Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(15))
                {
                    await Task.Delay(20, ct);
                }
            }

            // Watch the player while the speech is sent, from before its first packet.
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var watch = WatchForPauseAsync(player, watching.Token);
            var onsetAt = await SendLiveAsync(session, "listener", backchannel, onsetPacket, ct);
            watching.CancelAfter(TimeSpan.FromSeconds(2));
            var stoppedAt = await watch;
            await Console.Error.WriteLineAsync($"barge-in {i}: queued {player.QueuedFrames} played {player.PlayedFrames} stopped after {(stoppedAt is { } s ? Stopwatch.GetElapsedTime(onsetAt, s).TotalMilliseconds : double.NaN):F1} ms");
            if (i > 0)
            {
                // The first barge-in warms the paths up and is not counted.
                if (stoppedAt is { } at)
                {
                    results.Add(Stopwatch.GetElapsedTime(onsetAt, at).TotalMilliseconds);
                }
                else
                {
                    missed++;
                }
            }

            // Let the backchannel resume the answer and its end-of-utterance silence pass.
            await Task.Delay(1200, ct);
        }

        await stop.CancelAsync();
        await output;
        return (results, missed);
    }

    /// <summary>The first moment the player holds its frames (polled every millisecond), or null when cancelled first.</summary>
    private static async Task<long?> WatchForPauseAsync(SessionAudioPlayer player, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (player.IsPaused)
            {
                return Stopwatch.GetTimestamp();
            }

            try
            {
                await Task.Delay(1, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>Sends one packet per 20 ms as a live speaker; returns when the packet at <paramref name="onsetPacket"/> was published.</summary>
    private async Task<long> SendLiveAsync(string session, string speakerId, PcmAudio audio, int onsetPacket, CancellationToken ct)
    {
        var stream = _publisher.GetWriter(new SpeakerRef(session, speakerId));
        var packets = OpusPacketizer.Encode(audio);
        var sequence = _sequences.GetValueOrDefault(speakerId);
        var started = Stopwatch.GetTimestamp();
        long onsetAt = 0;
        for (var i = 0; i < packets.Count; i++)
        {
            // Packet i holds audio up to (i + 1) * 20 ms: it can leave only then.
            var due = TimeSpan.FromMilliseconds((i + 1) * 20) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }

            if (i == onsetPacket)
            {
                onsetAt = Stopwatch.GetTimestamp();
            }

            await stream.Publish(new OpusFrameBatch(sequence + i, [packets[i]], DateTimeOffset.UtcNow));
        }

        _sequences[speakerId] = sequence + packets.Count;
        return onsetAt;
    }

    private async Task<PcmAudio> SpeakAsync(string text, CancellationToken ct)
    {
        var response = await _tts.GetAudioAsync(text, cancellationToken: ct);
        return WavCodec.Decode(response.Contents.OfType<DataContent>().Single().Data.Span).ToMono().ResampleTo(16000);
    }

    /// <summary>Index of the first 20 ms frame louder than -40 dBFS: where the speech starts.</summary>
    private static int FirstLoudFrame(PcmAudio audio)
    {
        for (var i = 0; (i + 1) * 320 <= audio.Samples.Length; i++)
        {
            if (PcmMath.RmsDbfs(audio.Samples.AsSpan(i * 320, 320)) > -40)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no speech in the backchannel audio");
    }

    private static async Task PlayAsync(SessionAudioPlayer player, CancellationToken ct)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            long played = 0;
            while (await player.Frames.WaitToReadAsync(ct))
            {
                while (player.Frames.TryRead(out _))
                {
                    played++;
                    var due = TimeSpan.FromMilliseconds(played * 20) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, ct);
                    }
                    else if (due < TimeSpan.FromMilliseconds(-100))
                    {
                        // The output was idle or held: restart the pacing clock.
                        started = Stopwatch.GetTimestamp();
                        played = 0;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
