using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Runtime.Placement;

namespace AudioOrchestrator.Grains.Tests.Speakers;

/// <summary>
/// A speaker grain that migrates to another silo (as Orleans moves a stopping silo's activations) brings its session's
/// profile and does not ask the session for it while it activates: the session may be migrating in a later batch, and
/// Orleans waits for a batch's activations before it moves the next, which held rolling restarts for 30 s.
/// </summary>
public sealed class SpeakerMigrationTests(SpeakerMigrationTests.TwoSilos fixture) : IClassFixture<SpeakerMigrationTests.TwoSilos>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_migrated_speaker_brings_its_sessions_profile_and_goes_on_answering()
    {
        var session = "migrate-" + Guid.NewGuid().ToString("N")[..12];
        var uploads = fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();
        Assert.Equal("hello world", Assert.Single((await uploads.ProcessAsync(session, "ana", TestAudio.Question(440), Ct)).Turns).ResponseText);
        Assert.Equal(1, fixture.ProfileAsks(session));

        var speaker = fixture.Client.GetGrain<ISpeakerGrain>(new SpeakerRef(session, "ana").StreamKey);
        await fixture.MigrateAsync(speaker, () => speaker.GetStatusAsync(), Ct);

        Assert.Equal("hello world", Assert.Single((await uploads.ProcessAsync(session, "ana", TestAudio.Question(440), Ct)).Turns).ResponseText);
        Assert.Equal(1, fixture.ProfileAsks(session)); // the migrated activation did not ask again
    }

    [Fact]
    public async Task A_migrated_speaker_does_not_take_a_batch_sent_again_for_a_lost_part()
    {
        // Its predecessor stopped gracefully and reports the part it heard itself; the ingress may have had to publish a
        // batch again while the silo stopped. The session must wait for that part, not count the rest as cut at once.
        var speaker = new SpeakerRef("moved-" + Guid.NewGuid().ToString("N")[..12], "ana");
        var grain = fixture.Client.GetGrain<ISpeakerGrain>(speaker.StreamKey);
        await fixture.MigrateAsync(grain, () => grain.GetStatusAsync(), Ct);
        var writer = fixture.ClientServices.GetRequiredService<Ingress.Streams.SpeakerAudioPublisher>().GetWriter(speaker);
        var packets = Audio.OpusPacketizer.EncodeSpeech(TestAudio.Silence(600));

        await writer.Publish(new OpusFrameBatch(12, [.. packets.Skip(12)], DateTimeOffset.UtcNow, EndsInput: true, SentAgain: true) { CorrelationId = "rest" }, Ct);
        await TestWait.UntilAsync(() => fixture.Completions.Any(c => c.Speaker == speaker), "the rest's end");

        var told = Assert.Single(fixture.Completions, c => c.Speaker == speaker);
        Assert.Equal((true, false), (told.Cut, told.PartLost));
    }

    /// <summary>Two silos; a silo-side filter counts the sessions' profile asks and notes where each grain call ran.</summary>
    public sealed class TwoSilos : PipelineCluster
    {
        private readonly ConcurrentDictionary<string, int> _profileAsks = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<GrainId, SiloAddress> _silos = new();

        protected override short SiloCount => 2;

        public int ProfileAsks(string session) => _profileAsks.GetValueOrDefault(session);

        /// <summary>Every input end a speaker activation told its session.</summary>
        public ConcurrentQueue<InputCompletion> Completions { get; } = new();

        /// <summary>Moves <paramref name="grain"/> to the other silo (as Orleans does with a stopping silo's activations); <paramref name="touch"/> is a call to it.</summary>
        public async Task MigrateAsync(IAddressable grain, Func<Task> touch, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(grain);
            ArgumentNullException.ThrowIfNull(touch);
            await touch();
            var from = _silos[grain.GetGrainId()];
            var to = Cluster.Silos.Select(s => s.SiloAddress).Single(s => !s.Equals(from));
            RequestContext.Set(IPlacementDirector.PlacementHintKey, to);
            try
            {
                await grain.Cast<IGrainManagementExtension>().MigrateOnIdle(cancellationToken);
            }
            finally
            {
                RequestContext.Clear();
            }

            await TestWait.UntilAsync(
                async () =>
                {
                    await touch();
                    return _silos[grain.GetGrainId()].Equals(to);
                },
                "the grain to run on the other silo");
        }

        protected override void ConfigureSiloServices(IServiceCollection services) =>
            services.AddSingleton<IIncomingGrainCallFilter>(new Watch(this));

        private sealed class Watch(TwoSilos owner) : IIncomingGrainCallFilter
        {
            public Task Invoke(IIncomingGrainCallContext context)
            {
                if (context.InterfaceMethod.Name == nameof(IConversationGrain.GetProfileAsync))
                {
                    owner._profileAsks.AddOrUpdate(context.TargetContext.GrainId.Key.ToString()!, 1, (_, n) => n + 1);
                }

                if (context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is InputCompletion completion)
                {
                    owner.Completions.Enqueue(completion);
                }

                if (context.TargetContext.Address.SiloAddress is { } silo)
                {
                    owner._silos[context.TargetContext.GrainId] = silo;
                }

                return context.Invoke();
            }
        }
    }
}
