using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Grains.Tests.Speakers;

/// <summary>One input of a speaker on real libopus/libsoxr with the energy detector: pushes, packet gaps, idleness.</summary>
public sealed class SpeakerInputTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan PacketGap = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MidSpeechGap = TimeSpan.FromMilliseconds(1000);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    internal static ListeningSettings Settings(WakeMode mode = WakeMode.AlwaysListening) => new(
        new SpeakerOptions { Segmenter = new UtteranceSegmenterOptions { EndOfUtteranceSilenceMs = 300 } },
        new WakeWordOptions(),
        mode,
        new BargeInOptions());

    internal static SpeakerInput Open(bool live, string? correlationId = null, DateTimeOffset? at = null, ListeningSettings? settings = null)
    {
        settings ??= Settings();
        var bursts = new SpeechBurstWatcher(settings, new WakeGate(), spotter: null, live);
        var detector = new ObservedVoiceActivityDetector(new EnergyVoiceActivityDetector(settings.Speaker.Segmenter), bursts);
        var pipeline = new SpeakerAudioPipeline(settings.Speaker.Segmenter, detector);
        return new SpeakerInput(live ? null : correlationId ?? "upload-1", live, pipeline, bursts, at ?? T0, traceParent: null, at ?? T0);
    }

    /// <summary>20 ms Opus packets of <paramref name="audio"/> (16 kHz test audio, encoded at 48 kHz mono).</summary>
    internal static byte[][] Packets(PcmAudio audio) => [.. OpusPacketizer.Encode(audio)];

    [Fact]
    public void Each_push_returns_the_utterances_it_completed_and_a_later_push_does_not_touch_them()
    {
        using var input = Open(live: false);
        var packets = Packets(TestAudio.Question(440));
        var pushes = new List<InputPush>();
        for (var i = 0; i < packets.Length; i += 5)
        {
            pushes.Add(input.PushPackets(i, packets[i..Math.Min(i + 5, packets.Length)], T0, T0));
        }

        pushes.Add(input.Flush(T0));

        var utterance = Assert.Single(pushes.SelectMany(p => p.Utterances));
        Assert.InRange(utterance.SpeechStart.TotalMilliseconds, 250, 350);
        var holder = Assert.Single(pushes, p => p.Utterances.Count > 0);
        Assert.Same(utterance, holder.Utterances[0]); // still there after the pushes that followed it
    }

    [Fact]
    public void A_live_gap_after_silence_is_fed_as_silence_in_steps_once()
    {
        using var input = Open(live: true);
        input.PushPackets(0, Packets(TestAudio.Silence(200)), T0, T0);
        Assert.False(input.Bursts.LastFrameWasSpeech);

        Assert.Empty(input.TakeGapSilence(T0 + TimeSpan.FromMilliseconds(99), PacketGap, MidSpeechGap, Step));
        var steps = input.TakeGapSilence(T0 + TimeSpan.FromMilliseconds(170), PacketGap, MidSpeechGap, Step);

        Assert.Equal([Step, Step, Step, TimeSpan.FromMilliseconds(20)], steps);
        Assert.Equal([Step], input.TakeGapSilence(T0 + TimeSpan.FromMilliseconds(220), PacketGap, MidSpeechGap, Step)); // only what is new
    }

    [Fact]
    public void Packets_that_stop_mid_speech_are_late_until_the_mid_speech_gap()
    {
        using var input = Open(live: true);
        input.PushPackets(0, Packets(TestAudio.Concat(TestAudio.Silence(300), TestAudio.Tone(440, 400))), T0, T0);
        Assert.True(input.Bursts.LastFrameWasSpeech);

        Assert.Empty(input.TakeGapSilence(T0 + TimeSpan.FromMilliseconds(999), PacketGap, MidSpeechGap, Step));
        var steps = input.TakeGapSilence(T0 + TimeSpan.FromMilliseconds(1000), PacketGap, MidSpeechGap, Step);

        Assert.Equal(TimeSpan.FromMilliseconds(1000), steps.Aggregate(TimeSpan.Zero, (a, b) => a + b));
        Assert.All(steps, s => Assert.True(s <= Step));
    }

    [Fact]
    public void An_upload_never_has_gaps_and_is_never_idle()
    {
        using var input = Open(live: false);
        input.PushPackets(0, Packets(TestAudio.Silence(200)), T0, T0);

        Assert.Empty(input.TakeGapSilence(T0 + TimeSpan.FromMinutes(5), PacketGap, MidSpeechGap, Step));
        Assert.False(input.IsIdle(T0 + TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_quiet_live_input_becomes_idle_but_not_inside_speech()
    {
        using var quiet = Open(live: true);
        quiet.PushPackets(0, Packets(TestAudio.Silence(200)), T0, T0);
        Assert.False(quiet.IsIdle(T0 + TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));
        Assert.True(quiet.IsIdle(T0 + TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(30)));

        using var talking = Open(live: true);
        talking.PushPackets(0, Packets(TestAudio.Concat(TestAudio.Silence(300), TestAudio.Tone(440, 600))), T0, T0);
        Assert.True(talking.Pipeline.InSpeech);
        Assert.False(talking.IsIdle(T0 + TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Packets_that_arrived_in_real_time_but_reach_a_busy_grain_in_a_burst_are_all_kept()
    {
        // 1.6 s of speech sent in real time; the grain was busy (transcribing) for 1.5 s and gets all of it at once.
        using var input = Open(live: true);
        var packets = Packets(TestAudio.Concat(TestAudio.Silence(300), TestAudio.Tone(440, 1300)));
        var busyUntil = T0 + TimeSpan.FromMilliseconds(1500);
        var rateLimited = 0;
        for (var i = 0; i < packets.Length; i += 4)
        {
            var arrivedAt = T0 + TimeSpan.FromMilliseconds(20 * i);
            rateLimited += input.PushPackets(i, packets[i..Math.Min(i + 4, packets.Length)], arrivedAt, Max(arrivedAt, busyUntil)).RateLimitedPackets;
        }

        Assert.Equal(0, rateLimited);
        Assert.Equal(0, input.Pipeline.RateLimitedFrames);
    }

    [Fact]
    public void Packets_that_arrive_faster_than_real_time_are_still_dropped_oldest_first()
    {
        using var input = Open(live: true);
        var packets = Packets(TestAudio.Tone(440, 3000)); // 150 packets, all arriving within 300 ms

        var rateLimited = 0;
        for (var i = 0; i < packets.Length; i += 5)
        {
            var arrivedAt = T0 + TimeSpan.FromMilliseconds(i * 2);
            rateLimited += input.PushPackets(i, packets[i..(i + 5)], arrivedAt, arrivedAt).RateLimitedPackets;
        }

        Assert.InRange(rateLimited, 80, 100); // a 1 s burst allowance plus ~1.1x the 300 ms that passed
    }

    [Fact]
    public void Time_the_grain_spends_handling_packets_is_not_a_gap_but_a_real_gap_after_it_is_fed_from_the_last_packet()
    {
        using var input = Open(live: true);
        input.PushPackets(0, Packets(TestAudio.Silence(200)), T0, T0);
        var handled = T0 + TimeSpan.FromMilliseconds(1300); // recognition inside the turn took 1.3 s
        input.PacketsHandled(handled);

        Assert.Empty(input.TakeGapSilence(handled + TimeSpan.FromMilliseconds(50), PacketGap, MidSpeechGap, Step));
        var steps = input.TakeGapSilence(handled + TimeSpan.FromMilliseconds(100), PacketGap, MidSpeechGap, Step);

        Assert.Equal(TimeSpan.FromMilliseconds(1400), steps.Aggregate(TimeSpan.Zero, (a, b) => a + b));
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
