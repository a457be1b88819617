using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace AudioOrchestrator.Grains.Speakers;

/// <summary>
/// Hears one speaker: implicitly subscribed to the speaker's audio-in stream, decodes and segments the audio,
/// runs speech-to-text on each utterance and hands it to the session. DSP state lives in memory only.
/// </summary>
[ImplicitStreamSubscription(StreamNames.AudioIn)]
public sealed partial class SpeakerGrain(
    ISpeechToTextClient speechToText,
    IOptions<SpeakerOptions> options,
    VoiceActivityDetectors detectors,
    PipelineMetrics metrics,
    TimeProvider clock,
    ILogger<SpeakerGrain> logger)
    : Grain, ISpeakerGrain, IStreamSubscriptionObserver, IAsyncObserver<SpeakerStreamEvent>
{
    private const string LiveInput = "live";
    private readonly Dictionary<string, InputState> _inputs = new(StringComparer.Ordinal);
    private readonly List<SegmentedUtterance> _completed = [];
    private SpeakerRef? _speaker;
    private IGrainTimer? _gapTimer;
    private DateTimeOffset _liveLastPacketAt;
    private DateTimeOffset _liveHeardUntil;
    private long _framesReceived;
    private long _corruptFrames;
    private int _utterances;

    private SpeakerRef Speaker => _speaker ??= SpeakerRef.Parse(this.GetPrimaryKeyString());

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
            input.Pipeline.Dispose();
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
                DueTime = TimeSpan.FromMilliseconds(options.Value.PacketGapMs),
                Period = TimeSpan.FromMilliseconds(Math.Max(20, options.Value.PacketGapMs / 2)),
            });
        }

        _completed.Clear();
        _framesReceived += batch.Frames.Length;
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

        using (input.Pipeline)
        {
            _completed.Clear();
            input.Pipeline.Flush(_completed);
            await HandleCompletedAsync(input, ended.CorrelationId);
        }

        await GetConversation().CompleteInputAsync(new InputCompletion(Speaker, ended.CorrelationId, input.Utterances));
    }

    /// <summary>
    /// Live speakers stop sending packets when they stop talking: time without packets is fed to the segmenter as
    /// silence, so the utterance ends as if the silence had been heard. An idle live input is released.
    /// </summary>
    private async Task OnPacketGapTimerAsync(CancellationToken cancellationToken)
    {
        if (!_inputs.TryGetValue(LiveInput, out var input))
        {
            StopGapTimer();
            return;
        }

        var now = clock.GetUtcNow();
        if (now - _liveLastPacketAt < TimeSpan.FromMilliseconds(options.Value.PacketGapMs))
        {
            return;
        }

        _completed.Clear();
        input.Pipeline.PushSilence(now - _liveHeardUntil, _completed);
        _liveHeardUntil = now;
        await HandleCompletedAsync(input, correlationId: null);
        if (!input.Pipeline.InSpeech && now - _liveLastPacketAt > options.Value.LiveInputIdleTimeout)
        {
            _inputs.Remove(LiveInput);
            input.Pipeline.Dispose();
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

        if (_inputs.Count >= options.Value.MaxConcurrentInputs)
        {
            ReleaseAbandonedInputs(now);
        }

        if (_inputs.Count >= options.Value.MaxConcurrentInputs)
        {
            LogTooManyInputs(logger, Speaker.StreamKey, options.Value.MaxConcurrentInputs);
            return null;
        }

        input = new InputState(new SpeakerAudioPipeline(options.Value.Segmenter, detectors.Create(), options.Value.FrontEnd), capturedAt, traceParent) { LastActivityAt = now };
        _inputs[key] = input;
        return input;
    }

    /// <summary>Uploads whose end marker never came (the client went away) give their place up after a while.</summary>
    private void ReleaseAbandonedInputs(DateTimeOffset now)
    {
        foreach (var (key, stale) in _inputs.Where(i => i.Key != LiveInput && now - i.Value.LastActivityAt > options.Value.AbandonedInputTimeout).ToArray())
        {
            _inputs.Remove(key);
            stale.Pipeline.Dispose();
            LogAbandonedInput(logger, Speaker.StreamKey, key);
        }
    }

    private async Task HandleCompletedAsync(InputState input, string? correlationId)
    {
        if (_completed.Count == 0)
        {
            return;
        }

        var utterances = _completed.ToArray();
        _completed.Clear();
        foreach (var segment in utterances)
        {
            await RecognizeAsync(input, segment, correlationId);
        }
    }

    private async Task RecognizeAsync(InputState input, SegmentedUtterance segment, string? correlationId)
    {
        var decidedAt = clock.GetUtcNow();
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
            metrics.EmptyTranscripts.Add(1);
            LogEmptyTranscript(logger, Speaker.StreamKey, correlationId, audio.Duration.TotalMilliseconds);
            return;
        }

        input.Utterances++;
        _utterances++;
        var confidence = response.AdditionalProperties?.TryGetValue("confidence", out var value) == true && value is double c ? c : (double?)null;
        var timings = new UtteranceTimings(
            input.StartedAt + segment.SpeechStart,
            input.StartedAt + segment.SpeechEnd,
            decidedAt,
            audio.Duration.TotalMilliseconds,
            sttMs);
        var utterance = new Utterance(Guid.CreateVersion7().ToString("N"), Speaker, transcript, confidence, timings, correlationId);
        LogUtterance(logger, Speaker.StreamKey, correlationId, transcript, sttMs);
        await GetConversation().SubmitUtteranceAsync(utterance);
    }

    private IConversationGrain GetConversation() => GrainFactory.GetGrain<IConversationGrain>(Speaker.SessionId);

    private sealed class InputState(SpeakerAudioPipeline pipeline, DateTimeOffset startedAt, string? traceParent)
    {
        public SpeakerAudioPipeline Pipeline { get; } = pipeline;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public string? TraceParent { get; } = traceParent;
        public int Utterances { get; set; }
        public DateTimeOffset LastActivityAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speaker {Speaker}: released input {Input}, which sent nothing for too long and never ended")]
    private static partial void LogAbandonedInput(ILogger logger, string speaker, string input);

    [LoggerMessage(Level = LogLevel.Information, Message = "Heard {Speaker} (correlation {CorrelationId}): \"{Transcript}\" (stt {SttMs:F1} ms)")]
    private static partial void LogUtterance(ILogger logger, string speaker, string? correlationId, string transcript, double sttMs);

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
