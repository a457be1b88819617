using System.Diagnostics;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// The file/REST transport: a WAV recording goes the same way as live audio (Opus frames on the speaker's
/// audio-in stream), and the answers are drained from the session's audio-out stream.
/// </summary>
public sealed partial class UtteranceUploadProcessor(
    SpeakerAudioPublisher publisher,
    SessionOutputHub outputs,
    UploadAnswerWaiter waiter,
    IOptions<IngressOptions> options,
    ILogger<UtteranceUploadProcessor> logger)
{
    /// <summary>Validates the WAV before anything reaches the session; throws <see cref="InvalidAudioException"/> for bad input.</summary>
    public static PcmAudio DecodeUpload(ReadOnlySpan<byte> wav) => WavCodec.Decode(wav);

    /// <summary>Sends the recording through the pipeline and waits for every turn it starts.</summary>
    /// <exception cref="TimeoutException">The answers did not arrive within <see cref="IngressOptions.TurnTimeout"/>.</exception>
    /// <exception cref="UploadCutException">The speaker's activation went away before it heard the whole recording.</exception>
    /// <exception cref="TurnLostException">The session's activation that had the recording's turns went away before answering them all.</exception>
    public async Task<UploadResult> ProcessAsync(string sessionId, string speakerId, PcmAudio audio, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var started = Stopwatch.GetTimestamp();
        var correlationId = Guid.CreateVersion7().ToString("N");
        using var activity = IngressTelemetry.ActivitySource.StartActivity("ingress.upload");
        activity?.SetTag("session.id", sessionId);
        activity?.SetTag("correlation.id", correlationId);
        using var scope = logger.BeginScope("Session {SessionId} correlation {CorrelationId}", sessionId, correlationId);

        var packets = OpusPacketizer.EncodeSpeech(audio);
        var collector = new TurnCollector(correlationId);
        await using (await outputs.ListenAsync(sessionId, collector.OnEventAsync, cancellationToken))
        {
            var speaker = new SpeakerRef(sessionId, speakerId);
            await publisher.PublishInputAsync(speaker, packets, correlationId, activity?.Id, cancellationToken);
            LogPublished(logger, packets.Count, audio.Duration.TotalMilliseconds, speaker.StreamKey);
            try
            {
                await waiter.WaitAsync(speaker, correlationId, collector, cancellationToken);
            }
            catch (TimeoutException)
            {
                LogTimedOut(logger, options.Value.TurnTimeout.TotalSeconds);
                throw;
            }
        }

        if (collector.InputCut)
        {
            LogCut(logger);
            throw new UploadCutException();
        }

        return new UploadResult(sessionId, correlationId, collector.BuildTurns(), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Frames} Opus frames ({DurationMs:F0} ms) for {Speaker}")]
    private static partial void LogPublished(ILogger logger, int frames, double durationMs, string speaker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload cut: the speaker's activation went away before it heard all of it (the client is told to send it again)")]
    private static partial void LogCut(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload timed out after {Seconds:F0} s waiting for answers")]
    private static partial void LogTimedOut(ILogger logger, double seconds);
}
