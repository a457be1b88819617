using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Output;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Output;

/// <summary>
/// Orleans may run two activations of a session's output relay for a while (its grain directory gave both their
/// registration while a partition moved): the ingress subscribed to one, the session publishes to the other, and
/// uploads waited for their answers until they timed out although the session answered them. The ingress checks the
/// way out when an upload's answer is late, or when a session listened to has sent nothing for a while (a live socket,
/// a Discord call), and the activation it reaches steps down, so its next renewal finds the one that kept the session's
/// events.
/// </summary>
public sealed class StrayRelayTests(StrayRelayTests.SplitRelayCluster fixture) : IClassFixture<StrayRelayTests.SplitRelayCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_whose_relay_activation_gets_none_of_the_sessions_events_is_answered_after_it_steps_down()
    {
        var session = SplitRelayCluster.Prefix + Guid.NewGuid().ToString("N")[..12];
        var uploads = fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

        var result = await uploads.ProcessAsync(session, "ana", TestAudio.Question(440), Ct);

        Assert.Equal("hello world", Assert.Single(result.Turns).ResponseText);
        Assert.Contains(session, fixture.SteppedDown);
    }

    [Fact]
    public async Task A_quiet_session_listened_to_whose_relay_activation_gets_none_of_its_events_is_found_without_an_upload()
    {
        var session = SplitRelayCluster.Prefix + Guid.NewGuid().ToString("N")[..12];
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();

        // A live listener and nothing else: no upload waits for an answer to notice.
        await using var listening = await hub.ListenAsync(session, _ => Task.CompletedTask, Ct);

        await TestWait.UntilAsync(() => Task.FromResult(fixture.SteppedDown.Contains(session)), "the quiet session's way out to be checked", TimeSpan.FromSeconds(60));
        await TestWait.UntilAsync(() => hub.CheckRouteAsync(session, Ct), "what the session publishes to reach this process again", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_way_out_of_a_session_whose_relay_is_whole_checks_out_and_nothing_steps_down()
    {
        var session = "whole-" + Guid.NewGuid().ToString("N")[..12];
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        Assert.False(await hub.CheckRouteAsync(session, Ct)); // no subscription here: nothing to check

        await using var listening = await hub.ListenAsync(session, _ => Task.CompletedTask, Ct);

        Assert.True(await hub.CheckRouteAsync(session, Ct));
        Assert.DoesNotContain(session, fixture.SteppedDown);
    }

    /// <summary>
    /// A cluster whose first relay activation of each session named <see cref="Prefix"/>… gets none of the session's
    /// publishes: they are held, as the other activation would keep them, and reach the session's next relay
    /// activation before its first call.
    /// </summary>
    public sealed class SplitRelayCluster : PipelineCluster
    {
        public const string Prefix = "stray-";

        private readonly ConcurrentDictionary<string, ActivationId> _strays = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, ConcurrentQueue<SessionOutputEvent>> _held = new(StringComparer.Ordinal);

        public ConcurrentQueue<string> SteppedDown { get; } = new();

        /// <summary>The probe may take 5 s (a busy machine) before a relay is told to step down.</summary>
        /// <summary>A session quiet for 3 s has its way out checked.</summary>
        protected override IReadOnlyDictionary<string, string?> ClientSettings { get; } = new Dictionary<string, string?>
        {
            ["Ingress:ClusterCallTimeout"] = "00:00:05",
            ["Ingress:OutputRouteCheckAfter"] = "00:00:03",
        };

        protected override void ConfigureSiloServices(IServiceCollection services) =>
            services.AddSingleton<IIncomingGrainCallFilter>(new SplitRelay(this));

        private sealed class SplitRelay(SplitRelayCluster owner) : IIncomingGrainCallFilter
        {
            public async Task Invoke(IIncomingGrainCallContext context)
            {
                if (context.TargetContext.GrainInstance is not SessionOutputRelayGrain relay
                    || context.TargetContext.GrainId.Key.ToString() is not { } session
                    || !session.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    await context.Invoke();
                    return;
                }

                var activation = context.TargetContext.ActivationId;
                if (owner._strays.GetOrAdd(session, activation) == activation)
                {
                    switch (context.InterfaceMethod.Name)
                    {
                        case nameof(ISessionOutputRelayGrain.PublishAsync):
                            // Published to the other activation: this one gets a probe nobody asked for (ignored).
                            owner._held.GetOrAdd(session, _ => new()).Enqueue((SessionOutputEvent)context.Request.GetArgument(0)!);
                            context.Request.SetArgument(0, new OutputProbe("published elsewhere"));
                            break;
                        case nameof(ISessionOutputRelayGrain.StepDownAsync):
                            owner.SteppedDown.Enqueue(session);
                            break;
                        default:
                            break;
                    }
                }
                else if (owner._held.TryRemove(session, out var held))
                {
                    foreach (var item in held)
                    {
                        await relay.PublishAsync(item);
                    }
                }

                await context.Invoke();
            }
        }
    }
}
