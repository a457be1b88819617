using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Core.Internal;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// A session's conversation is deactivated while a turn is in flight (Orleans does this when the silo holding its
/// directory entry dies: the conversation then waits for its turn in <c>OnDeactivateAsync</c>). The turn's answer must
/// still be spoken: the speech synthesis grain, activated for it, used to ask the deactivating conversation for the
/// session's profile, and each waited on the other (30 s in the failover bench, until Orleans gave up).
/// </summary>
public sealed class DeactivationDuringTurnTests(DeactivationDuringTurnTests.HeldAgentCluster fixture) : IClassFixture<DeactivationDuringTurnTests.HeldAgentCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_in_flight_when_the_conversation_deactivates_is_answered_and_spoken()
    {
        var session = "deactivating-" + Guid.NewGuid().ToString("N")[..12];
        var events = new List<SessionOutputEvent>();
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = fixture.ClientServices.GetRequiredService<SessionOutputHub>();
        await using var listening = await hub.ListenAsync(session, item =>
        {
            lock (events)
            {
                events.Add(item);
            }

            if (item is AnswerCompleted or TurnFailed)
            {
                completed.TrySetResult();
            }

            return Task.CompletedTask;
        }, Ct);

        // As an upload's turn arrives: submitted, and followed on audio-out.
        var now = DateTimeOffset.UtcNow;
        var conversation = fixture.Client.GetGrain<IConversationGrain>(session);
        await conversation.SubmitUtteranceAsync(new Utterance(
            Guid.NewGuid().ToString("N"), new SpeakerRef(session, "ana"), "held hello", null, new UtteranceTimings(now, now, now, 1000, 10), "c-1"));
        var gate = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<AgentGate>();
        await gate.Entered.WaitAsync(Ct);

        // Deactivation begins now and waits for the turn in flight, which has not spoken yet.
        await conversation.AsReference<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        gate.Open();

        await completed.Task.WaitAsync(Ct);
        lock (events)
        {
            // Completed, not failed (events after the completion, such as TurnRecorded, may have arrived meanwhile).
            Assert.True(events.Any(e => e is AnswerCompleted) && !events.Any(e => e is TurnFailed), string.Join(" | ", events));
            Assert.Contains(events, e => e is AnswerAudio);
        }
    }

    /// <summary>
    /// The pipeline cluster with <see cref="HeldAgentGrain"/>'s gate, no agent timeout, deactivations that wait as long
    /// as they must, and per-guild speech engines as a service's silo has them.
    /// </summary>
    public sealed class HeldAgentCluster : PipelineCluster
    {
        protected override IReadOnlyDictionary<string, string?> SiloSettings { get; } = new Dictionary<string, string?> { ["Conversation:AgentTimeout"] = "00:10:00" };

        protected override void ConfigureSiloServices(IServiceCollection services)
        {
            services.AddSingleton<AgentGate>();
            services.AddSingleton<IGuildSpeechEngines, NoGuildOverrides>();
            services.Configure<GrainCollectionOptions>(o => o.DeactivationTimeout = TimeSpan.FromMinutes(10));
        }
    }

    /// <summary>Per-guild speech engines without any guild of its own (every session uses the default engines).</summary>
    private sealed class NoGuildOverrides : IGuildSpeechEngines
    {
        public ISpeechToTextClient SpeechToText(string? guildId) => throw new NotSupportedException("No guild has its own engine.");

        public ITextToSpeechClient TextToSpeech(string? guildId) => throw new NotSupportedException("No guild has its own engine.");

        public bool HasOverrides(string? guildId) => false;
    }
}
