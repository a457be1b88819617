using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.BargeIn;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.WakeWords;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.BroadcastChannel;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// Hears one speaker: implicitly subscribed to the speaker's audio-in channel, it queues each item it is handed and
/// returns at once (<see cref="HeardAudioQueue"/>: the publisher never waits for speech-to-text), then, in arrival
/// order, pushes each batch into the input it belongs to (<see cref="SpeakerInputSet"/>: live audio and uploads, each a <see cref="SpeakerInput"/> with its own
/// DSP chain), feeds live packet gaps as silence on a timer, sends the barge-in steps the input's
/// <see cref="SpeechBurstWatcher"/> decided to the session, and hands each completed utterance that the
/// <see cref="UtteranceRecognizer"/> accepts (wake gate, speech-to-text) to the session, or prepares it ahead
/// (preemptive answering). DSP state lives in memory only.
/// </summary>
/// <remarks>
/// Settings come from <see cref="ListeningSettingsResolver"/> for the session's profile (asked of the session when the
/// grain activates; a Discord guild may override them). A speaker that migrates off a stopping silo brings the profile
/// with it (<see cref="IGrainMigrationParticipant"/>) instead of asking again: the session may be migrating too, and
/// Orleans waits for a batch of migrated activations to activate before it moves the next, so asking from
/// <see cref="OnActivateAsync"/> held a rolling restart's silo for its 30 s deactivation timeout.
/// </remarks>
[ImplicitChannelSubscription(StreamNames.AudioIn)]
public sealed partial class SpeakerGrain(
    ISpeechToTextClient speechToText,
    ListeningSettingsResolver settingsResolver,
    VoiceActivityDetectors detectors,
    PipelineMetrics metrics,
    TimeProvider clock,
    IOptions<PrivacyOptions> privacy,
    ILoggerFactory loggers,
    IWakePhraseSpotter? wakeSpotter = null,
    IGuildSpeechEngines? guildSpeech = null)
    : Grain, ISpeakerGrain, IOnBroadcastChannelSubscribed, IGrainMigrationParticipant
{
    /// <summary>The migration context's key of the session's profile.</summary>
    private const string ProfileKey = "speaker.profile";

    private readonly WakeGate _wakeGate = new();
    private readonly ILogger _logger = loggers.CreateLogger<SpeakerGrain>();
    private readonly UtteranceCutCounter _cuts = new(metrics, loggers.CreateLogger<UtteranceCutCounter>());
    private readonly HeardAudioQueue _heard = new();
    private SpeakerRef? _speaker;
    private SessionProfile? _profile;
    private ListeningSettings? _settings;
    private SpeakerInputSet? _inputs;
    private readonly RecentInputs _heardUploads = new();
    private readonly RecentInputs _heardFrames = new();
    private readonly RecentInputs _cutUploads = new();
    private readonly RecentInputs _endedUploads = new();

    /// <summary>Rests of uploads whose first batch here was sent again by the ingress: their part was most likely lost.</summary>
    private readonly RecentInputs _partsLost = new();

    /// <summary>
    /// This activation was migrated here from a silo that stopped gracefully, whose activation reports the part it heard
    /// of an open upload: a batch sent again then does not mean that part was lost.
    /// </summary>
    private bool _migratedIn;
    private UtteranceRecognizer? _recognizer;
    private ISpeechToTextClient _speechToText = speechToText;
    private IGrainTimer? _gapTimer;
    private long _framesReceived;
    private long _corruptFrames;
    private int _utterances;
    private bool _counted;

    private SpeakerRef Speaker => _speaker ??= SpeakerRef.Parse(this.GetPrimaryKeyString());

    /// <summary>The session's listening settings, resolved from its profile when the grain activates.</summary>
    private ListeningSettings Settings => _settings ?? throw new InvalidOperationException("The speaker grain has not been activated.");

    private SpeakerInputSet Inputs => _inputs ??= new SpeakerInputSet(Settings.Speaker.MaxConcurrentInputs, Settings.Speaker.AbandonedInputTimeout, OpenInput);

    private UtteranceRecognizer Recognizer => _recognizer ??= new UtteranceRecognizer(
        Speaker, Settings, _wakeGate, _speechToText, metrics, clock, loggers.CreateLogger<UtteranceRecognizer>());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // What the session is (its transport and guild) decides wake mode and overrides: the ingress that opened the
        // session said so before sending audio.
        var profile = _profile ??= await GetConversation().GetProfileAsync().WaitAsync(cancellationToken);
        _settings = settingsResolver.Resolve(profile);

        // A guild with its own speech engine or language (Speech:Guilds) gets its own chain; others the default client.
        if (guildSpeech is not null && guildSpeech.HasOverrides(profile.GuildId))
        {
            _speechToText = guildSpeech.SpeechToText(profile.GuildId);
        }

        metrics.Operator.SpeakerActivated();
        _counted = true;
    }

    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        if (_profile is not null)
        {
            dehydrationContext.TryAddValue(ProfileKey, _profile);
        }
    }

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        _migratedIn = true;
        if (rehydrationContext.TryGetValue(ProfileKey, out SessionProfile? profile))
        {
            _profile = profile;
        }
    }

    /// <summary>The speaker's audio-in channel found this grain (implicit subscription): its items come to <see cref="OnAudioAsync"/>.</summary>
    public Task OnSubscribed(IBroadcastChannelSubscription streamSubscription)
    {
        ArgumentNullException.ThrowIfNull(streamSubscription);
        streamSubscription.Attach<SpeakerStreamEvent>(OnAudioAsync, OnAudioErrorAsync);
        return Task.CompletedTask;
    }

    public Task<SpeakerStatus> GetStatusAsync() =>
        Task.FromResult(new SpeakerStatus(Speaker, _framesReceived, _corruptFrames, _utterances, _inputs?.AnyInSpeech ?? false));

    public Task<bool> HasHeardAsync(string correlationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(correlationId);
        return Task.FromResult(_heardUploads.Contains(correlationId));
    }

    /// <summary>
    /// The channel's delivery: queued, and handled after the items before it (<see cref="HandleHeardAsync"/>). Returning
    /// at once keeps the publisher (an upload, a live speaker's pump) from waiting for this speaker's speech-to-text.
    /// </summary>
    private Task OnAudioAsync(SpeakerStreamEvent item)
    {
        if (!item.IsLive)
        {
            _heardUploads.Add(item.CorrelationId);
            if (item is OpusFrameBatch)
            {
                _heardFrames.Add(item.CorrelationId);
            }
        }

        switch (_heard.Enqueue(item))
        {
            case Queued.StartHandler:
                _heard.Handling = HandleHeardAsync();
                break;
            case Queued.Dropped:
                metrics.RateLimitedFrames.Add(item is OpusFrameBatch batch ? batch.Frames.Length : 0);
                LogBacklogFull(_logger, Speaker.StreamKey, HeardAudioQueue.MaxQueued);
                break;
            default:
                break;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Handles the queued items one at a time, in order, on this activation (no locks). Channel deliveries arriving
    /// while it awaits only queue; the packet-gap timer skips its turn while it runs, so nothing interleaves with an item.
    /// A failing item is logged and the next one handled.
    /// </summary>
    private async Task HandleHeardAsync()
    {
        // Returns to the channel's delivery first: the publisher never waits for this speaker's work.
        await Task.Yield();
        try
        {
            while (_heard.TryDequeue(out var item))
            {
                try
                {
                    await HandleAsync(item);
                }
#pragma warning disable CA1031 // One item's failure (e.g. the session unreachable) must not stop the speaker's later audio.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogItemFailed(_logger, ex, item.GetType().Name, Speaker.StreamKey);
                }
            }
        }
        finally
        {
            _heard.HandlingStopped();
        }
    }

    private async Task HandleAsync(SpeakerStreamEvent item)
    {
        switch (item)
        {
            case OpusFrameBatch { CorrelationId: { } upload } when _endedUploads.Contains(upload):
                break; // published again after the upload ended (a retried publish): heard already
            case OpusFrameBatch batch:
                await OnFramesAsync(batch);
                if (batch.End is { } end)
                {
                    await OnInputEndedAsync(end);
                }

                break;
            case SpeakerInputEnded ended:
                await OnInputEndedAsync(ended);
                break;
            default:
                LogUnknownEvent(_logger, item.GetType().Name, Speaker.StreamKey);
                break;
        }
    }

    private Task OnAudioErrorAsync(Exception ex)
    {
        LogStreamError(_logger, ex, Speaker.StreamKey);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // What this activation took is heard to the end first (a stopping silo does not drop audio it accepted); what
        // is still queued when the deactivation's time is up is dropped, and its uploads reported cut.
        _heard.Close();
        if (_heard.Handling is { IsCompleted: false } handling)
        {
            await handling.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        var dropped = _heard.Stop();
        if (dropped.Count > 0)
        {
            LogQueuedDropped(_logger, Speaker.StreamKey, dropped.Count, reason.ReasonCode.ToString());
        }

        if (_counted)
        {
            metrics.Operator.SpeakerDeactivated(); // not when the activation failed before it was counted
            _counted = false;
        }

        _cuts.OnDeactivating(Speaker.StreamKey, _inputs?.InSpeechCount ?? 0, reason.ReasonCode.ToString());
        await ReportCutUploadsAsync(dropped, cancellationToken);
        await ReportOpenUploadsAsync(cancellationToken);
        StopGapTimer();
        _inputs?.Dispose();
        _inputs = null;
    }

    /// <summary>
    /// The uploads whose end was among the dropped items would never be answered (their waiter would time out): the
    /// session is told each was cut, with the utterances already handed over, so the client can send it again at once.
    /// </summary>
    private async Task ReportCutUploadsAsync(IReadOnlyList<SpeakerStreamEvent> dropped, CancellationToken cancellationToken)
    {
        foreach (var ended in dropped.Select(i => i as SpeakerInputEnded ?? (i as OpusFrameBatch)?.End).OfType<SpeakerInputEnded>().Where(e => !e.IsLive))
        {
            var utterances = 0;
            if (_inputs?.Remove(ended.CorrelationId, isLive: false) is { } input)
            {
                utterances = input.Utterances;
                input.Dispose();
            }

            await ReportWhileDeactivatingAsync(new InputCompletion(Speaker, ended.CorrelationId, utterances, Cut: true), cancellationToken);
        }
    }

    /// <summary>
    /// The uploads still open (their rest will reach the next activation) are reported as parts: the frames heard, the
    /// utterances handed over, and whether one was cut in the middle (speech in progress). The session puts a part and
    /// the rest's report together, so an upload whose question was heard here whole is not taken for cut.
    /// </summary>
    private async Task ReportOpenUploadsAsync(CancellationToken cancellationToken)
    {
        foreach (var input in _inputs?.Uploads ?? [])
        {
            var cut = input.Pipeline.InSpeech || (input.CorrelationId is { } upload && _cutUploads.Contains(upload));
            await ReportWhileDeactivatingAsync(new InputCompletion(Speaker, input.CorrelationId, input.Utterances, cut, input.Heard, Partial: true), cancellationToken);
        }
    }

    /// <summary>Tells the session about an upload while this activation deactivates; best effort, bounded by the deactivation.</summary>
    private async Task ReportWhileDeactivatingAsync(InputCompletion completion, CancellationToken cancellationToken)
    {
        try
        {
            await SiloUnavailableRetry.RunAsync(() => GetConversation().CompleteInputAsync(completion), clock).WaitAsync(cancellationToken);
        }
#pragma warning disable CA1031 // Best effort: the upload's waiter then learns it from the next activation, or times out.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogCutNotReported(_logger, ex, Speaker.StreamKey, completion.CorrelationId);
        }
    }

    private async Task OnFramesAsync(OpusFrameBatch batch)
    {
        var now = clock.GetUtcNow();
        var (input, released, opened) = Inputs.GetOrOpen(new InputOrigin(batch.CorrelationId, batch.IsLive, batch.CapturedAt, batch.TraceParent), now);
        if (opened && _cuts.OnInputOpened(Speaker.StreamKey, batch.IsLive, batch.FirstSequence, batch.CorrelationId))
        {
            // An upload whose beginning went to an activation that is gone: its rest is not answered as a question of
            // its own (it is half of one); its end reports the upload cut, so the client sends it again whole.
            _cutUploads.Add(batch.CorrelationId);
            if (batch.SentAgain && !_migratedIn)
            {
                _partsLost.Add(batch.CorrelationId);
            }
        }

        foreach (var abandoned in released)
        {
            LogAbandonedInput(_logger, Speaker.StreamKey, abandoned.CorrelationId);
        }

        if (input is null)
        {
            LogTooManyInputs(_logger, Speaker.StreamKey, Settings.Speaker.MaxConcurrentInputs);
            return;
        }

        if (batch.CorrelationId is { } upload && _cutUploads.Contains(upload))
        {
            // Only listened to (whether it has speech: nothing of the question is missing if it has none), never answered.
            _framesReceived += batch.Frames.Length;
            input.PushPackets(batch.FirstSequence, batch.Frames, batch.CapturedAt, now);
            return;
        }

        if (input.IsLive)
        {
            _gapTimer ??= this.RegisterGrainTimer(OnPacketGapTimerAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromMilliseconds(Settings.Speaker.PacketGapMs),
                Period = GapStep,
            });
        }

        _framesReceived += batch.Frames.Length;
        var push = input.PushPackets(batch.FirstSequence, batch.Frames, batch.CapturedAt, now);
        if (push.CorruptPackets > 0)
        {
            _corruptFrames += push.CorruptPackets;
            metrics.CorruptFrames.Add(push.CorruptPackets);
            LogCorruptFrames(_logger, Speaker.StreamKey, push.CorruptPackets);
        }

        if (push.RateLimitedPackets > 0)
        {
            metrics.RateLimitedFrames.Add(push.RateLimitedPackets);
            LogRateLimited(_logger, Speaker.StreamKey, push.RateLimitedPackets);
        }

        metrics.FramesReceived.Add(batch.Frames.Length);
        metrics.Operator.AudioChunksProcessed.Add(batch.Frames.Length);
        await ApplyBargeInAsync(input);
        await HandleCompletedAsync(input, push.Utterances);
        input.PacketsHandled(clock.GetUtcNow());
    }

    private async Task OnInputEndedAsync(SpeakerInputEnded ended)
    {
        _endedUploads.Add(ended.CorrelationId);
        var input = _inputs?.Remove(ended.CorrelationId, ended.IsLive);
        if (input is null)
        {
            // Nothing was heard on this input (or it was already closed): still answer the waiter. An upload that sent
            // frames of which this activation heard none had them heard by one that is gone: it was cut, not silent.
            var unheard = ended.FrameCount > 0 && ended.CorrelationId is { } none && !_heardFrames.Contains(none);
            await CompleteInputAsync(new InputCompletion(Speaker, ended.CorrelationId, 0, Cut: unheard));
            return;
        }

        var cut = ended.CorrelationId is { } upload && _cutUploads.Contains(upload);
        using (input)
        {
            var push = input.Flush(clock.GetUtcNow());
            if (!cut)
            {
                await ApplyBargeInAsync(input);
                await HandleCompletedAsync(input, push.Utterances);
            }
        }

        var partLost = ended.CorrelationId is { } rest && _partsLost.Contains(rest);
        await CompleteInputAsync(new InputCompletion(Speaker, ended.CorrelationId, input.Utterances, cut, ended.IsLive ? null : input.Heard, PartLost: partLost));
    }

    /// <summary>Tells the session an input ended; a session whose silo went away gets it once it activated elsewhere.</summary>
    private Task CompleteInputAsync(InputCompletion completion) =>
        SiloUnavailableRetry.RunAsync(() => GetConversation().CompleteInputAsync(completion), clock);

    /// <summary>The packet-gap timer's period, and the longest stretch of silence fed in one push.</summary>
    private TimeSpan GapStep => TimeSpan.FromMilliseconds(Math.Max(20, Settings.Speaker.PacketGapMs / 2));

    /// <summary>
    /// Live speakers stop sending packets when they stop talking: time without packets is fed to the segmenter as
    /// silence (<see cref="SpeakerInput.TakeGapSilence"/>), so the utterance ends as if the silence had been heard. An
    /// idle live input is released.
    /// </summary>
    private async Task OnPacketGapTimerAsync(CancellationToken cancellationToken)
    {
        if (_heard.IsBusy)
        {
            return; // audio is being handled (so no gap yet, or a backlog): the next tick looks again
        }

        if (_inputs?.Live is not { } input)
        {
            StopGapTimer();
            return;
        }

        var now = clock.GetUtcNow();
        var speaker = Settings.Speaker;
        foreach (var silence in input.TakeGapSilence(now, TimeSpan.FromMilliseconds(speaker.PacketGapMs), TimeSpan.FromMilliseconds(speaker.MidSpeechGapMs), GapStep))
        {
            var push = input.PushSilence(silence, now);
            await ApplyBargeInAsync(input);
            await HandleCompletedAsync(input, push.Utterances);
        }

        if (input.IsIdle(now, speaker.LiveInputIdleTimeout))
        {
            _inputs.Close(input);
            StopGapTimer();
        }
    }

    private void StopGapTimer()
    {
        _gapTimer?.Dispose();
        _gapTimer = null;
    }

    private SpeakerInput OpenInput(InputOrigin origin)
    {
        var settings = Settings;
        var bursts = new SpeechBurstWatcher(settings, _wakeGate, wakeSpotter, origin.IsLive);
        var detector = new ObservedVoiceActivityDetector(
            detectors.Create(settings.Speaker) ?? new EnergyVoiceActivityDetector(settings.Speaker.Segmenter), bursts);
        var pipeline = new SpeakerAudioPipeline(settings.Speaker.Segmenter, detector, settings.Speaker.Decoding);
        return new SpeakerInput(origin.CorrelationId, origin.IsLive, pipeline, bursts, origin.CapturedAt, origin.TraceParent, clock.GetUtcNow());
    }

    private async Task HandleCompletedAsync(SpeakerInput input, IReadOnlyList<SegmentedUtterance> utterances)
    {
        foreach (var segment in utterances)
        {
            if (input.Prepared is { } prepared && prepared.SpeechEnd == segment.SpeechEnd)
            {
                // The speaker really stopped where the answer was prepared: keep it, with the real end of the utterance.
                input.Prepared = null;
                await SubmitAsync(input, Recognizer.Finalize(prepared.Heard, segment));
                continue;
            }

            await DiscardPreparedAsync(input);
            if (await Recognizer.RecognizeAsync(input, segment, ahead: false) is { } heard)
            {
                await SubmitAsync(input, heard);
            }
        }

        if (input.IsLive)
        {
            await PrepareAheadAsync(input);
        }
    }

    /// <summary>
    /// Preemptive answering: once a short silence followed the speech (<c>Speaker:Segmenter:PreemptiveSilenceMs</c>), the
    /// utterance heard so far is transcribed and the session starts answering it; if the speaker goes on, that answer is
    /// discarded.
    /// </summary>
    private async Task PrepareAheadAsync(SpeakerInput input)
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
        if (await Recognizer.RecognizeAsync(input, tentative, ahead: true) is { } heard)
        {
            input.Prepared = new PreparedUtterance(heard, tentative.SpeechEnd);
            await GetConversation().PrepareUtteranceAsync(heard.Utterance);
        }
    }

    private async Task DiscardPreparedAsync(SpeakerInput input)
    {
        if (input.Prepared is { } prepared)
        {
            input.Prepared = null;
            await GetConversation().DiscardPreparedAsync(prepared.Heard.Utterance.UtteranceId);
        }
    }

    private async Task SubmitAsync(SpeakerInput input, HeardUtterance heard)
    {
        input.Utterances++;
        _utterances++;
        var timings = heard.Utterance.Timings;
        LogUtterance(
            _logger, Speaker.StreamKey, input.CorrelationId, privacy.Value.RedactLogs ? PiiRedactor.Redact(heard.TextForAgents) : heard.TextForAgents, timings.SttMs,
            timings.EndOfUtteranceDelayMs ?? double.NaN, timings.WakePhrase ?? "-",
            timings.WakeDetectedAt is { } w ? (w - timings.SpeechStartedAt).TotalMilliseconds : double.NaN);
        // A session whose silo went away gets the utterance once it activated elsewhere (the turn is not lost).
        await SiloUnavailableRetry.RunAsync(() => GetConversation().SubmitUtteranceAsync(heard.Utterance), clock);
    }

    /// <summary>
    /// Sends the barge-in steps the burst watcher decided during the last push to the session, and announces the other
    /// speech onsets on the session's audio-out (<see cref="SpeechStarted"/>, for observers; a pause announces its own).
    /// </summary>
    private async Task ApplyBargeInAsync(SpeakerInput input)
    {
        foreach (var onset in input.Bursts.TakeOnsets())
        {
            try
            {
                await AudioOut.PublishAsync(new SpeechStarted(Speaker.SpeakerId, onset) { CorrelationId = input.CorrelationId });
            }
#pragma warning disable CA1031 // Observers' event: a failed publication must not cost the utterance being heard.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogOnsetNotPublished(_logger, ex, Speaker.StreamKey);
            }
        }

        try
        {
            await SendBargeInStepsAsync(input);
        }
#pragma warning disable CA1031 // Barge-in is best effort: a failed call must not cost the utterance being heard.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            input.PauseHeld = false;
            LogBargeInFailed(_logger, ex, Speaker.StreamKey);
        }
    }

    private async Task SendBargeInStepsAsync(SpeakerInput input)
    {
        foreach (var step in input.Bursts.TakeSteps())
        {
            switch (step.Signal)
            {
                case BargeInSignal.Pause:
                    input.PauseHeld = await GetConversation().SpeechStartedAsync(new SpeechOnset(Speaker, step.At));
                    if (input.PauseHeld)
                    {
                        metrics.BargeIns.Add(1, new KeyValuePair<string, object?>("step", "pause"));
                        LogPaused(_logger, Speaker.StreamKey);
                    }

                    break;
                case BargeInSignal.Resume or BargeInSignal.Interrupt when input.PauseHeld:
                    input.PauseHeld = false;
                    var interrupt = step.Signal == BargeInSignal.Interrupt;
                    await GetConversation().SettleBargeInAsync(new BargeInDecision(Speaker, interrupt));
                    metrics.BargeIns.Add(1, new KeyValuePair<string, object?>("step", interrupt ? "interrupt" : "resume"));
                    LogBargeInSettled(_logger, Speaker.StreamKey, interrupt);
                    break;
                default:
                    break;
            }
        }
    }

    private IConversationGrain GetConversation() => GrainFactory.GetGrain<IConversationGrain>(Speaker.SessionId);

    private ISessionOutputRelayGrain AudioOut => GrainFactory.GetGrain<ISessionOutputRelayGrain>(Speaker.SessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: a speech onset could not be announced on audio-out")]
    private static partial void LogOnsetNotPublished(ILogger logger, Exception exception, string speaker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: a barge-in step could not be sent to the session")]
    private static partial void LogBargeInFailed(ILogger logger, Exception exception, string speaker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Speaker {Speaker} started talking over the assistant: playback paused")]
    private static partial void LogPaused(ILogger logger, string speaker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Speaker {Speaker} barge-in settled (interrupt: {Interrupt})")]
    private static partial void LogBargeInSettled(ILogger logger, string speaker, bool interrupt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: released input {Input}, which sent nothing for too long and never ended")]
    private static partial void LogAbandonedInput(ILogger logger, string speaker, string? input);

    [LoggerMessage(Level = LogLevel.Information, Message = "Heard {Speaker} (correlation {CorrelationId}): \"{Transcript}\" (stt {SttMs:F1} ms, end-of-utterance decision {EouDelayMs:F0} ms after speech, wake phrase {WakePhrase} detected {WakeDetectMs:F0} ms after speech start)")]
    private static partial void LogUtterance(ILogger logger, string speaker, string? correlationId, string transcript, double sttMs, double eouDelayMs, string wakePhrase, double wakeDetectMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Concealed {Count} corrupt Opus packet(s) from {Speaker}")]
    private static partial void LogCorruptFrames(ILogger logger, string speaker, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker} sends faster than real time: dropped the {Count} oldest packet(s)")]
    private static partial void LogRateLimited(ILogger logger, string speaker, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker} already has {Max} open inputs; dropping audio of a new one")]
    private static partial void LogTooManyInputs(ILogger logger, string speaker, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unknown event {EventType} on the audio stream of {Speaker}")]
    private static partial void LogUnknownEvent(ILogger logger, string eventType, string speaker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Speaker {Speaker}: handling a queued {EventType} failed")]
    private static partial void LogItemFailed(ILogger logger, Exception exception, string eventType, string speaker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker} is {Max} live batches behind: dropped a new batch")]
    private static partial void LogBacklogFull(ILogger logger, string speaker, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: upload {CorrelationId} was cut on deactivation and the session could not be told (its waiter times out)")]
    private static partial void LogCutNotReported(ILogger logger, Exception exception, string speaker, string? correlationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: {Count} queued audio item(s) dropped on deactivation ({Reason})")]
    private static partial void LogQueuedDropped(ILogger logger, string speaker, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audio stream error for {Speaker}")]
    private static partial void LogStreamError(ILogger logger, Exception exception, string speaker);
}
