using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Ingress;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// An upload whose speaker activation goes away after its first frames (as when its silo stops during a rolling
/// restart): the new activation hears it from the middle and reports it cut, and the ingress sends it again instead of
/// answering 503, when none of its turns was heard of.
/// </summary>
public sealed class UploadResendTests(UploadResendTests.CutOnceCluster fixture) : IClassFixture<UploadResendTests.CutOnceCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Follows a session's output, keeping the ends of its inputs.</summary>
    private Task<IAsyncDisposable> ListenForInputEndsAsync(string session, ConcurrentQueue<InputCompleted> ends) =>
        fixture.ClientServices.GetRequiredService<SessionOutputHub>().ListenAsync(session, item =>
        {
            if (item is InputCompleted input)
            {
                ends.Enqueue(input);
            }

            return Task.CompletedTask;
        }, Ct);

    [Fact]
    public async Task An_upload_cut_by_its_speaker_activation_going_away_is_sent_again_and_answered()
    {
        var session = CutOnceCluster.Prefix + Guid.NewGuid().ToString("N")[..12];
        var uploads = fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

        var result = await uploads.ProcessAsync(session, "ana", TestAudio.Question(440), Ct);

        Assert.Equal(1, fixture.Cuts.Count(c => c.StartsWith(session, StringComparison.Ordinal))); // the first sending was cut
        var turn = Assert.Single(result.Turns);
        Assert.Equal("hello world", turn.ResponseText);
        Assert.DoesNotContain(result.CorrelationId, fixture.CutCorrelations); // answered under the resend's correlation
    }

    [Fact]
    public async Task Without_resends_the_cut_upload_is_answered_503_at_once()
    {
        var session = CutOnceCluster.Prefix + Guid.NewGuid().ToString("N")[..12];
        var services = fixture.ClientServices;
        var noResends = new UtteranceUploadProcessor(
            services.GetRequiredService<SpeakerAudioPublisher>(),
            services.GetRequiredService<SessionOutputHub>(),
            services.GetRequiredService<UploadAnswerWaiter>(),
            Options.Create(new IngressOptions { UploadCutResends = 0, TurnTimeout = TimeSpan.FromSeconds(20) }),
            NullLogger<UtteranceUploadProcessor>.Instance);

        await Assert.ThrowsAsync<UploadCutException>(() => noResends.ProcessAsync(session, "ana", TestAudio.Question(440), Ct));
        Assert.Equal(1, fixture.Cuts.Count(c => c.StartsWith(session, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_uploads_last_batch_ends_it_and_the_same_batch_published_again_is_not_a_new_cut_upload()
    {
        var speaker = new SpeakerRef("ended-" + Guid.NewGuid().ToString("N")[..12], "ana");
        var completions = new ConcurrentQueue<InputCompleted>();
        await using var listening = await ListenForInputEndsAsync(speaker.SessionId, completions);
        var publisher = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>();
        var packets = OpusPacketizer.EncodeSpeech(TestAudio.Question(440));
        await publisher.PublishInputAsync(speaker, packets, "c-first", null, Ct);
        await TestWait.UntilAsync(() => !completions.IsEmpty, "the first upload's end");

        // A retried publish delivers the last batch again; then another upload follows on the same speaker.
        var lastFirst = (packets.Count - 1) / 4 * 4;
        var again = new OpusFrameBatch(lastFirst, [.. packets.Skip(lastFirst)], DateTimeOffset.UtcNow, EndsInput: true) { CorrelationId = "c-first" };
        await publisher.GetWriter(speaker).Publish(again, Ct);
        await publisher.PublishInputAsync(speaker, packets, "c-second", null, Ct);
        await TestWait.UntilAsync(() => completions.Count == 2, "the second upload's end");

        Assert.Equal(["c-first", "c-second"], completions.Select(c => c.CorrelationId));
        Assert.All(completions, c => Assert.Equal((1, false), (c.TurnCount, c.Cut)));
    }

    [Fact]
    public async Task A_rest_whose_first_batch_was_sent_again_tells_the_session_its_part_was_lost()
    {
        // The rests of two uploads reach a new activation from frame 12 (their parts were heard by one that is gone); the
        // ingress had to send the first batch of one of them again (its attempt met a crashed silo).
        var speaker = new SpeakerRef("rest-" + Guid.NewGuid().ToString("N")[..12], "ana");
        var completed = new ConcurrentQueue<InputCompleted>();
        await using var listening = await ListenForInputEndsAsync(speaker.SessionId, completed);
        var writer = fixture.ClientServices.GetRequiredService<SpeakerAudioPublisher>().GetWriter(speaker);
        var packets = OpusPacketizer.EncodeSpeech(TestAudio.Silence(600));
        foreach (var (upload, sentAgain) in new[] { ("c-waits", false), ("c-lost", true) })
        {
            await writer.Publish(new OpusFrameBatch(12, [.. packets.Skip(12).Take(4)], DateTimeOffset.UtcNow, SentAgain: sentAgain) { CorrelationId = upload }, Ct);
            await writer.Publish(new OpusFrameBatch(16, [.. packets.Skip(16)], DateTimeOffset.UtcNow, EndsInput: true) { CorrelationId = upload }, Ct);
        }

        await TestWait.UntilAsync(() => completed.Count == 2, "both rests' ends");

        var told = fixture.Completions.Where(c => c.Speaker == speaker).ToDictionary(c => c.CorrelationId!, c => c.PartLost);
        Assert.Equal(new Dictionary<string, bool> { ["c-waits"] = false, ["c-lost"] = true }, told);
        Assert.All(completed, c => Assert.Equal((0, true), (c.TurnCount, c.Cut))); // half an upload is never answered
    }

    [Fact]
    public async Task An_upload_whose_question_was_heard_whole_before_its_speaker_activation_went_away_is_answered_without_resending()
    {
        // The activation goes away after frame 91 of 100: the question (frames 15-55) and the silence that ends it were
        // heard there; only silence reaches the next activation.
        var session = CutOnceCluster.LatePrefix + Guid.NewGuid().ToString("N")[..12];
        var uploads = fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

        var result = await uploads.ProcessAsync(session, "ana", TestAudio.Question(440), Ct);

        Assert.Equal(1, fixture.Cuts.Count(c => c.StartsWith(session, StringComparison.Ordinal)));
        Assert.Contains(result.CorrelationId, fixture.CutCorrelations); // answered as sent, not sent again
        Assert.Equal("hello world", Assert.Single(result.Turns).ResponseText);
    }

    /// <summary>
    /// A cluster whose speaker activations of sessions named <see cref="Prefix"/>… (or <see cref="LatePrefix"/>…)
    /// deactivate once, right after taking an upload's first frames (or the batch from frame 88 on): a silo-side call
    /// filter, the test's stand-in for a silo that stops.
    /// </summary>
    public sealed class CutOnceCluster : PipelineCluster
    {
        public const string Prefix = "resend-";

        public const string LatePrefix = "late-";

        public ConcurrentQueue<string> Cuts { get; } = new();

        public ConcurrentQueue<string> CutCorrelations { get; } = new();

        /// <summary>Every input end a speaker activation told its session.</summary>
        public ConcurrentQueue<InputCompletion> Completions { get; } = new();

        protected override void ConfigureSiloServices(IServiceCollection services) =>
            services.AddSingleton<IIncomingGrainCallFilter>(new DeactivateAfterFirstFrames(this));

        private sealed class DeactivateAfterFirstFrames(CutOnceCluster owner) : IIncomingGrainCallFilter
        {
            public async Task Invoke(IIncomingGrainCallContext context)
            {
                if (context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is InputCompletion completion)
                {
                    owner.Completions.Enqueue(completion);
                }

                await context.Invoke();
                if (context.TargetContext.GrainInstance is not SpeakerGrain
                    || context.TargetContext.GrainId.Key.ToString() is not { } key
                    || owner.Cuts.Any(c => c == key))
                {
                    return;
                }

                long? cutAfter = key.StartsWith(Prefix, StringComparison.Ordinal) ? 0 : key.StartsWith(LatePrefix, StringComparison.Ordinal) ? 88 : null;
                for (var i = 0; i < context.Request.GetArgumentCount() && cutAfter is not null; i++)
                {
                    if (context.Request.GetArgument(i) is OpusFrameBatch { CorrelationId: { } correlation } batch && batch.FirstSequence == cutAfter)
                    {
                        owner.Cuts.Enqueue(key);
                        owner.CutCorrelations.Enqueue(correlation);
                        context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "the test cuts the upload"));
                    }
                }
            }
        }
    }
}
