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

    /// <summary>
    /// Sends the recording through the pipeline and waits for every turn it starts. A recording cut by a silo going away
    /// before any of its turns was heard of is sent again (<see cref="IngressOptions.UploadCutResends"/> times), each
    /// time under a new correlation id.
    /// </summary>
    /// <exception cref="TimeoutException">The answers did not arrive within <see cref="IngressOptions.TurnTimeout"/>.</exception>
    /// <exception cref="UploadCutException">The speaker's activation went away before it heard the whole recording, every time it was sent, or after some of its turns.</exception>
    /// <exception cref="TurnLostException">The session's activation that had the recording's turns went away before answering them all.</exception>
    public async Task<UploadResult> ProcessAsync(string sessionId, string speakerId, PcmAudio audio, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var started = Stopwatch.GetTimestamp();
        var packets = OpusPacketizer.EncodeSpeech(audio);
        for (var resends = 0; ; resends++)
        {
            var correlationId = Guid.CreateVersion7().ToString("N");
            var collector = await SendAsync(sessionId, speakerId, packets, audio.Duration, correlationId, cancellationToken);
            if (!collector.InputCut)
            {
                return new UploadResult(sessionId, correlationId, collector.BuildTurns(), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (collector.AnyTurn || resends >= options.Value.UploadCutResends)
            {
                LogCut(logger, sessionId, correlationId, resends);
                throw new UploadCutException();
            }

            LogResending(logger, sessionId, correlationId, resends + 1);
        }
    }

    /// <summary>One sending of the recording: its frames on the speaker's audio-in, then its answers, gathered by correlation id.</summary>
    private async Task<TurnCollector> SendAsync(
        string sessionId, string speakerId, IReadOnlyList<byte[]> packets, TimeSpan duration, string correlationId, CancellationToken cancellationToken)
    {
        using var activity = IngressTelemetry.ActivitySource.StartActivity("ingress.upload");
        activity?.SetTag("session.id", sessionId);
        activity?.SetTag("correlation.id", correlationId);
        using var scope = logger.BeginScope("Session {SessionId} correlation {CorrelationId}", sessionId, correlationId);
        var collector = new TurnCollector(correlationId);
        await using (await outputs.ListenAsync(sessionId, collector.OnEventAsync, cancellationToken))
        {
            var speaker = new SpeakerRef(sessionId, speakerId);
            await publisher.PublishInputAsync(speaker, packets, correlationId, activity?.Id, cancellationToken);
            LogPublished(logger, packets.Count, duration.TotalMilliseconds, speaker.StreamKey);
            try
            {
                await waiter.WaitAsync(speaker, correlationId, collector, cancellationToken);
            }
            catch (UploadCutException) when (!collector.AnyTurn)
            {
                collector.MarkCut(); // the speaker activation that had it is gone: like a cut reported by the new one
            }
            catch (TimeoutException)
            {
                LogTimedOut(logger, options.Value.TurnTimeout.TotalSeconds);
                throw;
            }
        }

        return collector;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Frames} Opus frames ({DurationMs:F0} ms) for {Speaker}")]
    private static partial void LogPublished(ILogger logger, int frames, double durationMs, string speaker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: upload {CorrelationId} cut: the speaker's activation went away before it heard all of it, after {Resends} resend(s) (the client is told to send it again)")]
    private static partial void LogCut(ILogger logger, string sessionId, string correlationId, int resends);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: upload {CorrelationId} cut by a silo going away before any of its turns; sending it again (resend {Resend})")]
    private static partial void LogResending(ILogger logger, string sessionId, string correlationId, int resend);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload timed out after {Seconds:F0} s waiting for answers")]
    private static partial void LogTimedOut(ILogger logger, double seconds);
}
