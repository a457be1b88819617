using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>The per-input front-end on synthetic detector decisions, with a scripted spotter.</summary>
public sealed class SpeechBurstWatcherTests
{
    private const short WakeMarker = 7777;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static ListeningSettings Settings(WakeMode mode, bool bargeIn = true) => new(
        new SpeakerOptions { Segmenter = new UtteranceSegmenterOptions { EndOfUtteranceSilenceMs = 200 } },
        new WakeWordOptions { SpottingWindowMs = 400, SpottingPreRollMs = 40 },
        mode,
        new BargeInOptions { Enabled = bargeIn, MinSpeechMs = 200, ResumeAfterSilenceMs = 100 });

    /// <summary>Feeds frames: 's' speech, 'w' speech carrying the wake marker, '.' silence; 20 ms each, clock advancing with them.</summary>
    private static void Feed(SpeechBurstWatcher frontEnd, string frames, ref DateTimeOffset now)
    {
        foreach (var kind in frames)
        {
            var frame = new short[320];
            frame[0] = kind == 'w' ? WakeMarker : (short)0;
            frontEnd.BeginPush(now, T0);
            frontEnd.OnFrame(frame, kind != '.');
            now += TimeSpan.FromMilliseconds(20);
        }
    }

    private static SegmentedUtterance Utterance(int startMs, int endMs) =>
        new(new short[16 * (endMs - startMs + 100)], 16000, TimeSpan.FromMilliseconds(startMs), TimeSpan.FromMilliseconds(endMs), TimeSpan.FromMilliseconds(endMs + 100));

    [Fact]
    public void Wake_phrase_is_spotted_during_the_utterance_with_its_time()
    {
        var spotter = new ScriptedSpotter(framesToSpot: 3);
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), new WakeGate(), spotter, live: true);
        var now = T0;

        Feed(frontEnd, "....sswwwsssss", ref now);

        var attempt = frontEnd.AttemptFor(Utterance(80, 280));
        Assert.NotNull(attempt);
        Assert.Equal(AcousticWake.Spotted, attempt!.Result);
        Assert.Equal("hey orchestrator", attempt.Phrase);
        Assert.Equal(T0.AddMilliseconds(80), attempt.OnsetAt);
        Assert.Equal(T0.AddMilliseconds(160), attempt.DetectedAt); // third marked frame, fed at 160 ms
        Assert.Equal(0, spotter.Open); // the decoder went back as soon as it spotted
        Assert.Equal(2 + 5, spotter.FramesFed); // 40 ms of audio before the onset went in first, then the burst up to the spot
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Frames_between_bursts_allocate_nothing(bool withSpotter)
    {
        // The pre-roll for spotting is copied into a ring; a watcher that cannot spot keeps none (a soak profile of 100
        // speakers found 640 bytes per frame here: a tenth of what the service allocated).
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), new WakeGate(), withSpotter ? new ScriptedSpotter(framesToSpot: 3) : null, live: true);
        var frame = new short[320];
        frontEnd.BeginPush(T0, T0);
        void Watch200()
        {
            for (var i = 0; i < 200; i++)
            {
                frontEnd.OnFrame(frame, isSpeech: false);
            }
        }

        Watch200();
        var least = Enumerable.Range(0, 3).Min(_ =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Watch200();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.Equal(0, least);
    }

    [Fact]
    public void The_audio_before_the_onset_reaches_the_spotting_in_order()
    {
        // Five quiet frames numbered 1..5 before the onset: the 40 ms pre-roll holds the last two (the ring has wrapped
        // around), which go in first, oldest first, then the onset frame (6).
        var spotter = new RecordingSpotter();
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), new WakeGate(), spotter, live: true);
        frontEnd.BeginPush(T0, T0);
        for (short n = 1; n <= 6; n++)
        {
            var frame = new short[320];
            frame.AsSpan().Fill(n);
            frontEnd.OnFrame(frame, isSpeech: n == 6);
        }

        Assert.Equal([4, 5, 6], spotter.Fed.Select(f => (int)f[0]));
        Assert.All(spotter.Fed, f => Assert.Equal(320, f.Length));
        Assert.All(spotter.Fed, f => Assert.All(f, sample => Assert.Equal(f[0], sample)));
    }

    [Fact]
    public void No_wake_in_the_spotting_window_or_before_the_burst_ends_is_not_spotted()
    {
        var spotter = new ScriptedSpotter(framesToSpot: 3);
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), new WakeGate(), spotter, live: true);
        var now = T0;

        Feed(frontEnd, "ssssssssssssssssssssssss..........ss..........", ref now);

        Assert.Equal(AcousticWake.NotSpotted, frontEnd.AttemptFor(Utterance(0, 480))!.Result); // 400 ms window passed
        Assert.Equal(AcousticWake.NotSpotted, frontEnd.AttemptFor(Utterance(680, 720))!.Result); // burst ended first
        Assert.Equal(0, spotter.Open);
    }

    [Fact]
    public void No_spotting_when_listening_always_or_inside_the_conversation_window()
    {
        var spotter = new ScriptedSpotter(framesToSpot: 1);
        using (var always = new SpeechBurstWatcher(Settings(WakeMode.AlwaysListening), new WakeGate(), spotter, live: true))
        {
            var now = T0;
            Feed(always, "www", ref now);
            Assert.Equal(AcousticWake.NotRun, always.AttemptFor(Utterance(0, 60))!.Result);
        }

        var gate = new WakeGate();
        gate.Judge("hey orchestrator help", WakeMode.WakeRequired, new WakePhraseMatcher(["hey orchestrator"], 0.3), TimeSpan.FromMinutes(1), T0, T0, AcousticWake.Spotted);
        using var windowOpen = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), gate, spotter, live: true);
        var later = T0.AddSeconds(5);
        Feed(windowOpen, "www", ref later);
        Assert.Equal(AcousticWake.NotRun, windowOpen.AttemptFor(Utterance(0, 60))!.Result);
        Assert.Equal(0, spotter.Started);
    }

    [Fact]
    public void Barge_in_pauses_at_the_onset_frame_and_interrupts_after_the_minimum_speech()
    {
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.AlwaysListening), new WakeGate(), null, live: true);
        var now = T0;

        Feed(frontEnd, "...s", ref now);
        var pause = Assert.Single(frontEnd.TakeSteps());
        Feed(frontEnd, "ssssssssssss", ref now);
        var interrupt = Assert.Single(frontEnd.TakeSteps());

        Assert.Equal((BargeInSignal.Pause, T0.AddMilliseconds(60)), (pause.Signal, pause.At));
        Assert.Equal((BargeInSignal.Interrupt, T0.AddMilliseconds(240)), (interrupt.Signal, interrupt.At)); // 10th speech frame
    }

    [Fact]
    public void Barge_in_waits_for_the_wake_phrase_when_one_is_required()
    {
        var spotter = new ScriptedSpotter(framesToSpot: 1);
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), new WakeGate(), spotter, live: true);
        var now = T0;

        Feed(frontEnd, "ssssssssssssssssssss", ref now); // no wake within the 400 ms window
        Assert.Equal([BargeInSignal.Pause, BargeInSignal.Resume], frontEnd.TakeSteps().Select(s => s.Signal));

        Feed(frontEnd, "..........ssssswsssss", ref now);
        Assert.Equal([BargeInSignal.Pause, BargeInSignal.Interrupt], frontEnd.TakeSteps().Select(s => s.Signal));
    }

    [Fact]
    public void Uploads_get_no_barge_in_and_times_as_heard()
    {
        var spotter = new ScriptedSpotter(framesToSpot: 1);
        using var frontEnd = new SpeechBurstWatcher(Settings(WakeMode.WakeRequired), new WakeGate(), spotter, live: false);
        var wallClock = T0.AddHours(1);

        Feed(frontEnd, "..wsss", ref wallClock);
        frontEnd.EndOfInput();

        Assert.Empty(frontEnd.TakeSteps());
        var attempt = frontEnd.AttemptFor(Utterance(40, 120))!;
        Assert.Equal((T0.AddMilliseconds(40), T0.AddMilliseconds(60)), (attempt.OnsetAt, attempt.DetectedAt!.Value));
    }

    [Fact]
    public void Onsets_that_pause_nothing_are_handed_over_separately_and_pauses_are_not()
    {
        using var upload = new SpeechBurstWatcher(Settings(WakeMode.AlwaysListening), new WakeGate(), null, live: false);
        using var live = new SpeechBurstWatcher(Settings(WakeMode.AlwaysListening), new WakeGate(), null, live: true);
        using var liveWithoutBargeIn = new SpeechBurstWatcher(Settings(WakeMode.AlwaysListening, bargeIn: false), new WakeGate(), null, live: true);
        var heard = T0.AddHours(1);
        var now = T0;
        var other = T0;

        Feed(upload, "..ss..........sss", ref heard); // two bursts, as heard in the recording
        Feed(live, "..ss", ref now);
        Feed(liveWithoutBargeIn, "...s", ref other);

        Assert.Equal([T0.AddMilliseconds(40), T0.AddMilliseconds(280)], upload.TakeOnsets());
        Assert.Empty(upload.TakeOnsets());
        Assert.Empty(live.TakeOnsets()); // its onset is the pause step
        Assert.Equal([BargeInSignal.Pause], live.TakeSteps().Select(s => s.Signal));
        Assert.Equal([T0.AddMilliseconds(60)], liveWithoutBargeIn.TakeOnsets());
    }

    /// <summary>Spots "hey orchestrator" after a number of frames carrying the marker sample.</summary>
    /// <summary>Keeps a copy of every frame fed to its spottings; never spots.</summary>
    private sealed class RecordingSpotter : IWakePhraseSpotter
    {
        public List<short[]> Fed { get; } = [];

        public IWakePhraseSpotting? Start(IReadOnlyList<string> phrases) => new Pass(this);

        private sealed class Pass(RecordingSpotter owner) : IWakePhraseSpotting
        {
            public TimeSpan Position => TimeSpan.FromSeconds(owner.Fed.Sum(f => f.Length) / 16000.0);

            public WakePhraseSpot? Spot => null;

            public WakePhraseSpot? Process(ReadOnlySpan<short> pcm16kMono)
            {
                owner.Fed.Add(pcm16kMono.ToArray());
                return null;
            }

            public void Dispose()
            {
            }
        }
    }

    private sealed class ScriptedSpotter(int framesToSpot) : IWakePhraseSpotter
    {
        public int Open { get; private set; }

        public int Started { get; private set; }

        public int FramesFed { get; private set; }

        public IWakePhraseSpotting? Start(IReadOnlyList<string> phrases)
        {
            Open++;
            Started++;
            return new Pass(this, phrases[0], framesToSpot);
        }

        private sealed class Pass(ScriptedSpotter owner, string phrase, int needed) : IWakePhraseSpotting
        {
            private int _marked;
            private long _samples;

            public TimeSpan Position => TimeSpan.FromSeconds(_samples / 16000.0);

            public WakePhraseSpot? Spot { get; private set; }

            public WakePhraseSpot? Process(ReadOnlySpan<short> pcm16kMono)
            {
                _samples += pcm16kMono.Length;
                owner.FramesFed++;

                if (pcm16kMono[0] == WakeMarker && ++_marked >= needed)
                {
                    Spot ??= new WakePhraseSpot(phrase, Position);
                }

                return Spot;
            }

            public void Dispose() => owner.Open--;
        }
    }
}
