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
            pushes.Add(input.PushPackets(i, packets[i..Math.Min(i + 5, packets.Length)], T0));
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
        input.PushPackets(0, Packets(TestAudio.Silence(200)), T0);
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
        input.PushPackets(0, Packets(TestAudio.Concat(TestAudio.Silence(300), TestAudio.Tone(440, 400))), T0);
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
        input.PushPackets(0, Packets(TestAudio.Silence(200)), T0);

        Assert.Empty(input.TakeGapSilence(T0 + TimeSpan.FromMinutes(5), PacketGap, MidSpeechGap, Step));
        Assert.False(input.IsIdle(T0 + TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_quiet_live_input_becomes_idle_but_not_inside_speech()
    {
        using var quiet = Open(live: true);
        quiet.PushPackets(0, Packets(TestAudio.Silence(200)), T0);
        Assert.False(quiet.IsIdle(T0 + TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)));
        Assert.True(quiet.IsIdle(T0 + TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(30)));

        using var talking = Open(live: true);
        talking.PushPackets(0, Packets(TestAudio.Concat(TestAudio.Silence(300), TestAudio.Tone(440, 600))), T0);
        Assert.True(talking.Pipeline.InSpeech);
        Assert.False(talking.IsIdle(T0 + TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(30)));
    }
}
