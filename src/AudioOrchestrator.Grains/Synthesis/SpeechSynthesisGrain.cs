using System.Diagnostics;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>
/// Speaks one sentence of an answer: text-to-speech, Opus-encodes it and publishes the frames on the session's
/// audio-out stream batch by batch, numbered on from <see cref="SpeechRequest.FirstSequence"/>. One activation per
/// session (placed on the caller's silo); the session answers one turn at a time, so nothing waits on another
/// session's synthesis. The guild's voice or engine (<c>Speech:Guilds</c>) is chosen by the request's guild: the
/// grain never calls the conversation, which waits on it while it answers (a new activation of this grain used to ask
/// the conversation for the session's profile; when the conversation was being deactivated, after a silo holding its
/// directory entry died, each waited on the other for 30 s, until Orleans' response and deactivation timeouts).
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed partial class SpeechSynthesisGrain(
    ITextToSpeechClient textToSpeech, IOptions<SynthesisOptions> options, ILogger<SpeechSynthesisGrain> logger, TimeProvider clock, IGuildSpeechEngines? guildSpeech = null)
    : Grain, ISpeechSynthesisGrain
{
    private readonly Dictionary<string, CancellationTokenSource> _speaking = new(StringComparer.Ordinal);

    /// <summary>A guild with its own voice or engine (<c>Speech:Guilds</c>) gets its own chain; others the default client.</summary>
    private ITextToSpeechClient TextToSpeechFor(string? guildId) =>
        guildSpeech is not null && guildSpeech.HasOverrides(guildId) ? guildSpeech.TextToSpeech(guildId) : textToSpeech;

    public Task StopAsync(string turnId)
    {
        ArgumentNullException.ThrowIfNull(turnId);
        return _speaking.TryGetValue(turnId, out var speaking) ? speaking.CancelAsync() : Task.CompletedTask;
    }

    public async Task<SynthesisResult> SpeakAsync(SpeechRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var stop = new CancellationTokenSource();
        _speaking[request.TurnId] = stop;
        try
        {
            return await SpeakAsync(request, stop.Token);
        }
        finally
        {
            _speaking.Remove(request.TurnId);
        }
    }

    private async Task<SynthesisResult> SpeakAsync(SpeechRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = TelemetryNames.ActivitySource.StartActivity("speech.synthesis");
        activity?.SetTag("turn.id", request.TurnId);
        var output = GrainFactory.GetGrain<ISessionOutputRelayGrain>(request.SessionId);
        var started = Stopwatch.GetTimestamp();
        double? firstAudioMs = null;
        var sequence = request.FirstSequence;
        var frames = new List<byte[]>();
        var batchSize = options.Value.FramesPerEvent;
        using var writer = new OpusFrameWriter(options.Value.Channels);

        // A full batch leaves as soon as one more frame follows it; the sentence's last batch leaves at the end, marked.
        async Task PublishAsync(bool all)
        {
            while (frames.Count > batchSize || (all && frames.Count > 0))
            {
                var take = Math.Min(batchSize, frames.Count);
                var batch = frames.GetRange(0, take).ToArray();
                frames.RemoveRange(0, take);
                cancellationToken.ThrowIfCancellationRequested();
                var audio = new AnswerAudio(request.TurnId, sequence, batch, EndsSentence: all && frames.Count == 0) { CorrelationId = request.CorrelationId };
                await SiloUnavailableRetry.RunAsync(() => output.PublishAsync(audio), clock);
                sequence += batch.Length;
                firstAudioMs ??= Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        if (!string.IsNullOrWhiteSpace(request.Text))
        {
            SynthesizedSpeechReader? reader = null;
            try
            {
                // The engine's audio is read as it arrives (a cloud engine streams its body), a piece at a time, so
                // the first frames leave before the sentence has been received or encoded.
                await foreach (var update in TextToSpeechFor(request.GuildId).GetStreamingAudioAsync(request.Text, cancellationToken: cancellationToken))
                {
                    foreach (var content in update.Contents.OfType<DataContent>())
                    {
                        reader ??= new SynthesizedSpeechReader(content.MediaType);
                        for (var offset = 0; offset < content.Data.Length; offset += ReadPiece)
                        {
                            reader.Append(content.Data.Span.Slice(offset, Math.Min(ReadPiece, content.Data.Length - offset)), writer, frames);
                            await PublishAsync(all: false);
                        }
                    }
                }

                reader?.Complete(writer, frames);
            }
            catch (InvalidDataException ex)
            {
                // What came whole is said; the turn goes on without the rest of this sentence.
                LogBadSpeech(logger, ex, request.SessionId, request.TurnId, (int)(sequence - request.FirstSequence) + frames.Count);
            }
            finally
            {
                reader?.Dispose();
            }

            writer.Flush(frames);
            await PublishAsync(all: true);
        }

        var totalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new SynthesisResult(firstAudioMs ?? totalMs, totalMs, (int)(sequence - request.FirstSequence));
    }

    /// <summary>Bytes of engine audio read between publishes (about 100 ms of 22-24 kHz PCM).</summary>
    private const int ReadPiece = 4096;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} turn {TurnId}: the speech engine's audio broke off ({Frames} frames were played)")]
    private static partial void LogBadSpeech(ILogger logger, Exception exception, string sessionId, string turnId, int frames);
}
