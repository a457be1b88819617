using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Speakers;

/// <summary>
/// The speaker grain queues what its audio-in channel hands it and returns: an upload's publish never waits for
/// speech-to-text (one stuck for longer than Orleans' response timeout used to fail the upload), and the input's end
/// is still reported after every utterance of it, in order.
/// </summary>
public sealed class QueuedHandOffTests(QueuedHandOffTests.HeldSpeechCluster fixture) : IClassFixture<QueuedHandOffTests.HeldSpeechCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_is_published_while_its_speech_to_text_is_held_and_completes_in_order_once_released()
    {
        var session = "held-" + Guid.NewGuid().ToString("N")[..12];
        var correlationId = Guid.NewGuid().ToString("N");
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        var publisher = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>();
        await using var listening = await hub.ListenAsync(session, e =>
        {
            if (e.CorrelationId == correlationId)
            {
                events.Enqueue(e);
            }

            return Task.CompletedTask;
        }, Ct);

        var packets = OpusPacketizer.Encode(TestAudio.Concat(TestAudio.Question(440), TestAudio.Question(660)), channels: 1);
        var publishing = publisher.PublishInputAsync(new SpeakerRef(session, "held"), packets, correlationId, null, Ct);

        // The first utterance reached speech-to-text, which holds it: the rest of the upload, and its end, are still
        // published (queued by the grain). Before the hand-off, this publish waited for the held call.
        await TestWait.UntilAsync(() => fixture.HeldSpeech.Waiting >= 1, "speech-to-text holding the first utterance");
        await publishing.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Empty(events.OfType<InputCompleted>());

        fixture.HeldSpeech.Release();
        await TestWait.UntilAsync(() => events.OfType<InputCompleted>().Any(), "the input completed", TimeSpan.FromMinutes(1));
        var completed = Assert.Single(events.OfType<InputCompleted>());
        Assert.Equal(2, completed.TurnCount);

        // Both questions were heard, in the order spoken, before the input's end was reported.
        await TestWait.UntilAsync(() => events.OfType<AnswerCompleted>().Count() == 2, "both answers", TimeSpan.FromMinutes(1));
        Assert.Equal(["echo hello world", "what time is it"], fixture.HeldSpeech.Heard);
    }

    /// <summary>The pipeline cluster with a speech-to-text double that holds every call until <see cref="HeldSpeechToText.Release"/>.</summary>
    public sealed class HeldSpeechCluster : PipelineCluster
    {
        public HeldSpeechToText HeldSpeech { get; } = new();

        protected override void ConfigureSiloServices(IServiceCollection services) =>
            services.AddSingleton<ISpeechToTextClient>(HeldSpeech);
    }

    /// <summary>The tone double behind a gate: calls wait (counted in <see cref="Waiting"/>) until released.</summary>
    public sealed class HeldSpeechToText : ISpeechToTextClient
    {
        private readonly ToneSpeechToText _tones = new();
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<string> _heard = new();
        private int _waiting;

        public int Waiting => Volatile.Read(ref _waiting);

        /// <summary>What each call heard, in the order the calls finished.</summary>
        public IReadOnlyCollection<string> Heard => _heard;

        public void Release() => _gate.TrySetResult();

        public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _waiting);
            await _gate.Task.WaitAsync(cancellationToken);
            var response = await _tones.GetTextAsync(audioSpeechStream, options, cancellationToken);
            _heard.Enqueue(response.Text);
            return response;
        }

        public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
            Stream audioSpeechStream, SpeechToTextOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var response = await GetTextAsync(audioSpeechStream, options, cancellationToken);
            foreach (var update in response.ToSpeechToTextResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType?.IsInstanceOfType(this) == true ? this : null;

        public void Dispose()
        {
        }
    }
}
