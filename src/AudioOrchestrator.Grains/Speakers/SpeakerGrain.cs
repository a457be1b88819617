using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.FrontEnd;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// Hears one speaker: implicitly subscribed to the speaker's audio-in stream, decodes and segments the audio,
/// runs speech-to-text on each utterance and hands it to the session. DSP state lives in memory only.
/// </summary>
/// <remarks>
/// Around the segmenter, a <see cref="SpeechFrontEnd"/> per input sees every detector decision: on a speech onset it
/// asks the session to pause its answer (barge-in) and, where a wake phrase is required, spots it acoustically while
/// the utterance is still being heard. Utterances that need a wake phrase and had none spotted are dropped before
/// speech-to-text; the others are confirmed on the transcript (fuzzy) by the speaker's <see cref="WakeGate"/>, which
/// strips the wake phrase. Settings come from <see cref="FrontEndSettingsResolver"/> (the session's Discord guild may
/// override them).
/// </remarks>
[ImplicitStreamSubscription(StreamNames.AudioIn)]
public sealed partial class SpeakerGrain(
    ISpeechToTextClient speechToText,
    FrontEndSettingsResolver settingsResolver,
    VoiceActivityDetectors detectors,
    IServiceProvider services,
    PipelineMetrics metrics,
    TimeProvider clock,
    IOptions<PrivacyOptions> privacy,
    ILogger<SpeakerGrain> logger)
    : Grain, ISpeakerGrain, IStreamSubscriptionObserver, IAsyncObserver<SpeakerStreamEvent>
{
    private const string LiveInput = "live";
    private readonly Dictionary<string, InputState> _inputs = new(StringComparer.Ordinal);
    private readonly List<SegmentedUtterance> _completed = [];
    private readonly WakeGate _wakeGate = new();
    private SpeakerRef? _speaker;
    private FrontEndSettings? _settings;
    private WakePhraseMatcher? _wakeMatcher;
    private IGrainTimer? _gapTimer;
    private DateTimeOffset _liveLastPacketAt;
    private DateTimeOffset _liveHeardUntil;
    private long _framesReceived;
    private long _corruptFrames;
    private int _utterances;

    private SpeakerRef Speaker => _speaker ??= SpeakerRef.Parse(this.GetPrimaryKeyString());

    private FrontEndSettings Settings => _settings ??= settingsResolver.Resolve(Speaker.SessionId);

    private WakePhraseMatcher WakeMatcher => _wakeMatcher ??= new WakePhraseMatcher(Settings.Wake.Phrases, Settings.Wake.MatchThreshold);

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        return handleFactory.Create<SpeakerStreamEvent>().ResumeAsync(this);
    }

    public Task<SpeakerStatus> GetStatusAsync() =>
        Task.FromResult(new SpeakerStatus(Speaker, _framesReceived, _corruptFrames, _utterances, _inputs.Values.Any(i => i.Pipeline.InSpeech)));

    public async Task OnNextAsync(SpeakerStreamEvent item, StreamSequenceToken? token = null)
    {
        switch (item)
        {
            case OpusFrameBatch batch:
                await OnFramesAsync(batch);
                break;
            case SpeakerInputEnded ended:
                await OnInputEndedAsync(ended);
                break;
            default:
                LogUnknownEvent(logger, item.GetType().Name, Speaker.StreamKey);
                break;
        }
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(logger, ex, Speaker.StreamKey);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopGapTimer();
        foreach (var input in _inputs.Values)
        {
            input.Dispose();
        }

        _inputs.Clear();
        return Task.CompletedTask;
    }

    private async Task OnFramesAsync(OpusFrameBatch batch)
    {
        var input = GetOrOpenInput(batch.CorrelationId, batch.CapturedAt, batch.TraceParent);
        if (input is null)
        {
            return;
        }

        if (batch.CorrelationId is null)
        {
            var now = clock.GetUtcNow();
            _liveLastPacketAt = now;
            _liveHeardUntil = now;
            _gapTimer ??= this.RegisterGrainTimer(OnPacketGapTimerAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromMilliseconds(Settings.Speaker.PacketGapMs),
                Period = TimeSpan.FromMilliseconds(Math.Max(20, Settings.Speaker.PacketGapMs / 2)),
            });
        }

        _completed.Clear();
        _framesReceived += batch.Frames.Length;
        input.FrontEnd.BeginPush(clock.GetUtcNow(), input.StartedAt);
        var outcome = input.Pipeline.PushBatch(batch.FirstSequence, batch.Frames, batch.CorrelationId is null ? clock.GetUtcNow() : null, _completed);
        if (outcome.CorruptPackets > 0)
        {
            _corruptFrames += outcome.CorruptPackets;
            metrics.CorruptFrames.Add(outcome.CorruptPackets);
            LogCorruptFrames(logger, Speaker.StreamKey, outcome.CorruptPackets);
        }

        if (outcome.RateLimitedPackets > 0)
        {
            metrics.RateLimitedFrames.Add(outcome.RateLimitedPackets);
            LogRateLimited(logger, Speaker.StreamKey, outcome.RateLimitedPackets);
        }

        metrics.FramesReceived.Add(batch.Frames.Length);
        await ApplyBargeInAsync(input);
        await HandleCompletedAsync(input, batch.CorrelationId);
    }

    private async Task OnInputEndedAsync(SpeakerInputEnded ended)
    {
        var key = ended.CorrelationId ?? LiveInput;
        if (!_inputs.Remove(key, out var input))
        {
            // Nothing was heard on this input (or it was already closed): still answer the waiter.
            await GetConversation().CompleteInputAsync(new InputCompletion(Speaker, ended.CorrelationId, 0));
            return;
        }

        using (input)
        {
            _completed.Clear();
            input.FrontEnd.BeginPush(clock.GetUtcNow(), input.StartedAt);
            input.Pipeline.Flush(_completed);
            input.FrontEnd.EndOfInput();
            await ApplyBargeInAsync(input);
            await HandleCompletedAsync(input, ended.CorrelationId);
        }

        await GetConversation().CompleteInputAsync(new InputCompletion(Speaker, ended.CorrelationId, input.Utterances));
    }

    /// <summary>
    /// Live speakers stop sending packets when they stop talking: time without packets is fed to the segmenter as
    /// silence, so the utterance ends as if the silence had been heard, unless the last frame was speech (then the
    /// packets are late; <c>Speaker:MidSpeechGapMs</c> bounds the wait). An idle live input is released.
    /// </summary>
    private async Task OnPacketGapTimerAsync(CancellationToken cancellationToken)
    {
        if (!_inputs.TryGetValue(LiveInput, out var input))
        {
            StopGapTimer();
            return;
        }

        var now = clock.GetUtcNow();
        var gap = now - _liveLastPacketAt;
        if (gap < TimeSpan.FromMilliseconds(Settings.Speaker.PacketGapMs)
            || (input.FrontEnd.LastFrameWasSpeech && gap < TimeSpan.FromMilliseconds(Settings.Speaker.MidSpeechGapMs)))
        {
            return; // packets that stop mid-speech are late (a busy network or host), not silence: wait for them
        }

        // Fed in steps of the timer's period, each handled as a push of its own: a tick that comes late (a busy host)
        // must not jump over the preemptive point straight to the end of the utterance.
        var silence = now - _liveHeardUntil;
        var step = TimeSpan.FromMilliseconds(Math.Max(20, Settings.Speaker.PacketGapMs / 2));
        _liveHeardUntil = now;
        for (var fed = TimeSpan.Zero; fed < silence; fed += step)
        {
            _completed.Clear();
            input.FrontEnd.BeginPush(now, input.StartedAt);
            input.Pipeline.PushSilence(silence - fed < step ? silence - fed : step, _completed);
            await ApplyBargeInAsync(input);
            await HandleCompletedAsync(input, correlationId: null);
        }

        if (!input.Pipeline.InSpeech && now - _liveLastPacketAt > Settings.Speaker.LiveInputIdleTimeout)
        {
            _inputs.Remove(LiveInput);
            input.Dispose();
            StopGapTimer();
        }
    }

    private void StopGapTimer()
    {
        _gapTimer?.Dispose();
        _gapTimer = null;
    }

    private InputState? GetOrOpenInput(string? correlationId, DateTimeOffset capturedAt, string? traceParent)
    {
        var key = correlationId ?? LiveInput;
        var now = clock.GetUtcNow();
        if (_inputs.TryGetValue(key, out var input))
        {
            input.LastActivityAt = now;
            return input;
        }

        if (_inputs.Count >= Settings.Speaker.MaxConcurrentInputs)
        {
            ReleaseAbandonedInputs(now);
        }

        if (_inputs.Count >= Settings.Speaker.MaxConcurrentInputs)
        {
            LogTooManyInputs(logger, Speaker.StreamKey, Settings.Speaker.MaxConcurrentInputs);
            return null;
        }

        var settings = Settings;
        var frontEnd = new SpeechFrontEnd(settings, _wakeGate, services.GetService<IWakePhraseSpotter>(), live: correlationId is null);
        var detector = new ObservedVoiceActivityDetector(
            detectors.Create(settings.Speaker) ?? new EnergyVoiceActivityDetector(settings.Speaker.Segmenter), frontEnd);
        input = new InputState(new SpeakerAudioPipeline(settings.Speaker.Segmenter, detector, settings.Speaker.FrontEnd), frontEnd, capturedAt, traceParent) { LastActivityAt = now };
        _inputs[key] = input;
        return input;
    }

    /// <summary>Uploads whose end marker never came (the client went away) give their place up after a while.</summary>
    private void ReleaseAbandonedInputs(DateTimeOffset now)
    {
        foreach (var (key, stale) in _inputs.Where(i => i.Key != LiveInput && now - i.Value.LastActivityAt > Settings.Speaker.AbandonedInputTimeout).ToArray())
        {
            _inputs.Remove(key);
            stale.Dispose();
            LogAbandonedInput(logger, Speaker.StreamKey, key);
        }
    }

    private async Task HandleCompletedAsync(InputState input, string? correlationId)
    {
        var utterances = _completed.ToArray();
        _completed.Clear();
        foreach (var segment in utterances)
        {
            if (input.Prepared is { } prepared && prepared.SpeechEnd == segment.SpeechEnd)
            {
                // The speaker really stopped where the answer was prepared: keep it, with the real end of the utterance.
                input.Prepared = null;
                await SubmitAsync(input, Finalized(prepared.Heard, segment), correlationId);
                continue;
            }

            await DiscardPreparedAsync(input);
            if (await RecognizeAsync(input, segment, correlationId, ahead: false) is { } heard)
            {
                await SubmitAsync(input, heard, correlationId);
            }
        }

        if (input.FrontEnd.IsLive)
        {
            await PrepareAheadAsync(input);
        }
    }

    /// <summary>
    /// Preemptive answering: once a short silence followed the speech (<c>Speaker:Segmenter:PreemptiveSilenceMs</c>), the
    /// utterance heard so far is transcribed and the session starts answering it; if the speaker goes on, that answer is
    /// discarded.
    /// </summary>
    private async Task PrepareAheadAsync(InputState input)
    {
        var tentative = input.Pipeline.Tentative;
        if (input.Prepared is { } prepared && tentative?.SpeechEnd != prepared.SpeechEnd)
        {
            await DiscardPreparedAsync(input); // the speaker went on
        }

        if (tentative is null || input.TriedAhead == tentative.SpeechEnd)
        {
            return;
        }

        input.TriedAhead = tentative.SpeechEnd;
        if (await RecognizeAsync(input, tentative, correlationId: null, ahead: true) is { } heard)
        {
            input.Prepared = new PreparedUtterance(heard, tentative.SpeechEnd);
            await GetConversation().PrepareUtteranceAsync(heard.Utterance);
        }
    }

    private async Task DiscardPreparedAsync(InputState input)
    {
        if (input.Prepared is { } prepared)
        {
            input.Prepared = null;
            await GetConversation().DiscardPreparedAsync(prepared.Heard.Utterance.UtteranceId);
        }
    }

    /// <summary>A prepared utterance as finally decided: the same audio and transcript, the real end-of-utterance decision.</summary>
    private HeardUtterance Finalized(HeardUtterance heard, SegmentedUtterance segment) => heard with
    {
        Utterance = heard.Utterance with
        {
            Timings = heard.Utterance.Timings with
            {
                EndOfUtteranceAt = clock.GetUtcNow(),
                AudioMs = segment.ToPcmAudio().Duration.TotalMilliseconds,
                EndOfUtteranceDelayMs = (segment.DecidedAt - segment.SpeechEnd).TotalMilliseconds,
            },
        },
    };

    private async Task SubmitAsync(InputState input, HeardUtterance heard, string? correlationId)
    {
        input.Utterances++;
        _utterances++;
        var timings = heard.Utterance.Timings;
        LogUtterance(
            logger, Speaker.StreamKey, correlationId, privacy.Value.RedactLogs ? PiiRedactor.Redact(heard.TextForAgents) : heard.TextForAgents, timings.SttMs,
            timings.EndOfUtteranceDelayMs ?? double.NaN, timings.WakePhrase ?? "-",
            timings.WakeDetectedAt is { } w ? (w - timings.SpeechStartedAt).TotalMilliseconds : double.NaN);
        await GetConversation().SubmitUtteranceAsync(heard.Utterance);
    }

    /// <summary>Sends the barge-in steps the front-end decided during the last push to the session.</summary>
    private async Task ApplyBargeInAsync(InputState input)
    {
        try
        {
            await SendBargeInStepsAsync(input);
        }
#pragma warning disable CA1031 // Barge-in is best effort: a failed call must not cost the utterance being heard.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            input.PauseHeld = false;
            LogBargeInFailed(logger, ex, Speaker.StreamKey);
        }
    }

    private async Task SendBargeInStepsAsync(InputState input)
    {
        foreach (var step in input.FrontEnd.TakeSteps())
        {
            switch (step.Signal)
            {
                case BargeInSignal.Pause:
                    input.PauseHeld = await GetConversation().SpeechStartedAsync(new SpeechOnset(Speaker, step.At));
                    if (input.PauseHeld)
                    {
                        metrics.BargeIns.Add(1, new KeyValuePair<string, object?>("step", "pause"));
                        LogPaused(logger, Speaker.StreamKey);
                    }

                    break;
                case BargeInSignal.Resume or BargeInSignal.Interrupt when input.PauseHeld:
                    input.PauseHeld = false;
                    var interrupt = step.Signal == BargeInSignal.Interrupt;
                    await GetConversation().SettleBargeInAsync(new BargeInDecision(Speaker, interrupt));
                    metrics.BargeIns.Add(1, new KeyValuePair<string, object?>("step", interrupt ? "interrupt" : "resume"));
                    LogBargeInSettled(logger, Speaker.StreamKey, interrupt);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// Wake gate, speech-to-text and the utterance's timings; null when the utterance is dropped. Ahead of the end of an
    /// utterance (<paramref name="ahead"/>) drops are neither counted nor logged: the final decision will be.
    /// </summary>
    private async Task<HeardUtterance?> RecognizeAsync(InputState input, SegmentedUtterance segment, string? correlationId, bool ahead)
    {
        var decidedAt = clock.GetUtcNow();
        var speechStartedAt = input.StartedAt + segment.SpeechStart;
        var attempt = input.FrontEnd.AttemptFor(segment);
        var acoustic = attempt?.Result ?? AcousticWake.NotRun;
        var settings = Settings;
        if (!_wakeGate.NeedsTranscript(settings.WakeMode, speechStartedAt, acoustic))
        {
            // Wake required, none spotted at the start of the utterance: not addressed to the assistant. No STT spent.
            if (!ahead)
            {
                metrics.WakeDropped.Add(1, new KeyValuePair<string, object?>("stage", "acoustic"));
                LogNotAddressed(logger, Speaker.StreamKey, correlationId, "no wake phrase was heard", segment.ToPcmAudio().Duration.TotalMilliseconds);
            }

            return null;
        }

        ActivityContext.TryParse(input.TraceParent, null, out var parent);
        using var activity = TelemetryNames.ActivitySource.StartActivity("speaker.utterance", ActivityKind.Internal, parent);
        activity?.SetTag("session.id", Speaker.SessionId);
        activity?.SetTag("speaker.id", Speaker.SpeakerId);
        activity?.SetTag("correlation.id", correlationId);

        var started = Stopwatch.GetTimestamp();
        var audio = new PcmAudio(segment.Samples, segment.SampleRate, 1);
        SpeechToTextResponse response;
        using (var wav = new MemoryStream(WavCodec.Encode(audio), writable: false))
        {
            response = await speechToText.GetTextAsync(wav, new SpeechToTextOptions { SpeechSampleRate = segment.SampleRate });
        }

        var sttMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        metrics.SttDuration.Record(sttMs);
        var transcript = (response.Text ?? "").Trim();
        activity?.SetTag("stt.ms", sttMs);
        activity?.SetTag("transcript", transcript);
        if (transcript.Length == 0)
        {
            if (!ahead)
            {
                metrics.EmptyTranscripts.Add(1);
                LogEmptyTranscript(logger, Speaker.StreamKey, correlationId, audio.Duration.TotalMilliseconds);
            }

            return null;
        }

        var verdict = _wakeGate.Judge(transcript, settings.WakeMode, WakeMatcher, settings.Wake.ConversationWindow, speechStartedAt, clock.GetUtcNow(), acoustic);
        if (!verdict.Accepted)
        {
            if (!ahead)
            {
                metrics.WakeDropped.Add(1, new KeyValuePair<string, object?>("stage", "transcript"));
                LogNotAddressed(logger, Speaker.StreamKey, correlationId, verdict.Reason ?? "", audio.Duration.TotalMilliseconds);
            }

            return null;
        }

        var confidence = response.AdditionalProperties?.TryGetValue("confidence", out var value) == true && value is double c ? c : (double?)null;

        // Acoustic detection when the spotter heard it; otherwise the wake phrase was found on the transcript.
        var wakeDetectedAt = verdict.WakePhrase is null ? (DateTimeOffset?)null : attempt?.DetectedAt ?? clock.GetUtcNow();
        if (attempt is { DetectedAt: { } spottedAt })
        {
            metrics.WakeDetectDelay.Record((spottedAt - attempt.OnsetAt).TotalMilliseconds);
        }

        var timings = new UtteranceTimings(
            speechStartedAt,
            input.StartedAt + segment.SpeechEnd,
            decidedAt,
            audio.Duration.TotalMilliseconds,
            sttMs,
            input.FrontEnd.IsLive ? attempt?.OnsetAt : null,
            wakeDetectedAt,
            verdict.WakePhrase,
            (segment.DecidedAt - segment.SpeechEnd).TotalMilliseconds);
        activity?.SetTag("wake.phrase", verdict.WakePhrase);
        activity?.SetTag("ahead", ahead);
        return new HeardUtterance(new Utterance(Guid.CreateVersion7().ToString("N"), Speaker, transcript, confidence, timings, correlationId, verdict.Transcript), verdict.Transcript);
    }

    private IConversationGrain GetConversation() => GrainFactory.GetGrain<IConversationGrain>(Speaker.SessionId);

    private sealed class InputState(SpeakerAudioPipeline pipeline, SpeechFrontEnd frontEnd, DateTimeOffset startedAt, string? traceParent) : IDisposable
    {
        public SpeakerAudioPipeline Pipeline { get; } = pipeline;
        public SpeechFrontEnd FrontEnd { get; } = frontEnd;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public string? TraceParent { get; } = traceParent;
        public int Utterances { get; set; }
        public DateTimeOffset LastActivityAt { get; set; }

        /// <summary>The session paused its answer for this input's speech and waits for the barge-in to be settled.</summary>
        public bool PauseHeld { get; set; }

        /// <summary>The utterance whose answer the session prepares ahead, and where its speech ended.</summary>
        public PreparedUtterance? Prepared { get; set; }

        /// <summary>The end of speech of the last utterance prepared ahead (or tried: dropped ones are not tried again).</summary>
        public TimeSpan? TriedAhead { get; set; }

        public void Dispose()
        {
            Pipeline.Dispose();
            FrontEnd.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Speaker {Speaker} (correlation {CorrelationId}): {DurationMs:F0} ms of speech not addressed to the assistant ({Reason}); dropped")]
    private static partial void LogNotAddressed(ILogger logger, string speaker, string? correlationId, string reason, double durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: a barge-in step could not be sent to the session")]
    private static partial void LogBargeInFailed(ILogger logger, Exception exception, string speaker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Speaker {Speaker} started talking over the assistant: playback paused")]
    private static partial void LogPaused(ILogger logger, string speaker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Speaker {Speaker} barge-in settled (interrupt: {Interrupt})")]
    private static partial void LogBargeInSettled(ILogger logger, string speaker, bool interrupt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: released input {Input}, which sent nothing for too long and never ended")]
    private static partial void LogAbandonedInput(ILogger logger, string speaker, string input);

    [LoggerMessage(Level = LogLevel.Information, Message = "Heard {Speaker} (correlation {CorrelationId}): \"{Transcript}\" (stt {SttMs:F1} ms, end-of-utterance decision {EouDelayMs:F0} ms after speech, wake phrase {WakePhrase} detected {WakeDetectMs:F0} ms after speech start)")]
    private static partial void LogUtterance(ILogger logger, string speaker, string? correlationId, string transcript, double sttMs, double eouDelayMs, string wakePhrase, double wakeDetectMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "No words recognised in {DurationMs:F0} ms of speech from {Speaker} (correlation {CorrelationId})")]
    private static partial void LogEmptyTranscript(ILogger logger, string speaker, string? correlationId, double durationMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Concealed {Count} corrupt Opus packet(s) from {Speaker}")]
    private static partial void LogCorruptFrames(ILogger logger, string speaker, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker} sends faster than real time: dropped the {Count} oldest packet(s)")]
    private static partial void LogRateLimited(ILogger logger, string speaker, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker} already has {Max} open inputs; dropping audio of a new one")]
    private static partial void LogTooManyInputs(ILogger logger, string speaker, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unknown event {EventType} on the audio stream of {Speaker}")]
    private static partial void LogUnknownEvent(ILogger logger, string eventType, string speaker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audio stream error for {Speaker}")]
    private static partial void LogStreamError(ILogger logger, Exception exception, string speaker);
}

/// <summary>An utterance that passed the wake gate and speech-to-text, with the text agents get.</summary>
internal sealed record HeardUtterance(Utterance Utterance, string TextForAgents);

/// <summary>An utterance handed to the session ahead of its certain end, and where its speech ended.</summary>
internal sealed record PreparedUtterance(HeardUtterance Heard, TimeSpan SpeechEnd);
