using System.Diagnostics;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Synthesis;

/// <summary>
/// Speaks one sentence of an answer: text-to-speech, Opus-encodes it and publishes the frames on the session's
/// audio-out stream batch by batch, numbered on from <see cref="SpeechRequest.FirstSequence"/>. One activation per
/// session (placed on the caller's silo); the session answers one turn at a time, so nothing waits on another
/// session's synthesis.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class SpeechSynthesisGrain(ITextToSpeechClient textToSpeech, IOptions<SynthesisOptions> options, IGuildSpeechEngines? guildSpeech = null)
    : Grain, ISpeechSynthesisGrain
{
    private readonly Dictionary<string, CancellationTokenSource> _speaking = new(StringComparer.Ordinal);
    private ITextToSpeechClient _textToSpeech = textToSpeech;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A guild with its own voice or engine (Speech:Guilds) gets its own chain; others the default client.
        if (guildSpeech is not null)
        {
            var profile = await GrainFactory.GetGrain<IConversationGrain>(this.GetPrimaryKeyString()).GetProfileAsync().WaitAsync(cancellationToken);
            if (guildSpeech.HasOverrides(profile.GuildId))
            {
                _textToSpeech = guildSpeech.TextToSpeech(profile.GuildId);
            }
        }
    }

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
        var stream = this.GetStreamProvider(StreamNames.Provider)
            .GetStream<SessionOutputEvent>(StreamId.Create(StreamNames.AudioOut, request.SessionId));
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
                await stream.OnNextAsync(new AnswerAudio(request.TurnId, sequence, batch, EndsSentence: all && frames.Count == 0) { CorrelationId = request.CorrelationId });
                sequence += batch.Length;
                firstAudioMs ??= Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        if (!string.IsNullOrWhiteSpace(request.Text))
        {
            await foreach (var update in _textToSpeech.GetStreamingAudioAsync(request.Text, cancellationToken: cancellationToken))
            {
                foreach (var content in update.Contents.OfType<DataContent>())
                {
                    var speech = SynthesizedSpeech.Read(content);
                    if (speech.Packets is { } packets)
                    {
                        // 20 ms Opus packets from the engine go out as they are.
                        writer.Flush(frames);
                        frames.AddRange(packets);
                        await PublishAsync(all: false);
                        continue;
                    }

                    // Encode and publish batch by batch, so the first frames leave before the sentence is encoded.
                    var mono = speech.Samples!;
                    var step = batchSize * writer.FrameSamples;
                    for (var offset = 0; offset < mono.Length; offset += step)
                    {
                        writer.Write(mono.AsSpan(offset, Math.Min(step, mono.Length - offset)), frames);
                        await PublishAsync(all: false);
                    }
                }
            }

            writer.Flush(frames);
            await PublishAsync(all: true);
        }

        var totalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new SynthesisResult(firstAudioMs ?? totalMs, totalMs, (int)(sequence - request.FirstSequence));
    }
}
