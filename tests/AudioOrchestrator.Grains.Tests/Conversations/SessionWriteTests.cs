using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Text;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Core.Internal;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// A session writes its state once per turn, also once its history is longer than the agents' window and every turn
/// folds the oldest unfolded one into the running summary: the fold goes out with the next turn's write, or when the
/// activation goes away (it used to be a second write per turn, to PostgreSQL in production).
/// </summary>
public sealed class SessionWriteTests(SessionWriteTests.CountingCluster fixture) : IClassFixture<SessionWriteTests.CountingCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Turns_past_the_window_are_one_write_each_and_the_summary_is_written_when_the_activation_goes_away()
    {
        var session = "writes-" + Guid.NewGuid().ToString("N")[..12];
        var sender = new TextTurnSender(fixture.Client, fixture.ClientServices.GetRequiredService<SessionOutputHub>(), TimeProvider.System, NullLogger<TextTurnSender>.Instance);
        var conversation = fixture.Client.GetGrain<IConversationGrain>(session);

        // 6 turns: more than the 3 the agents' window keeps unfolded (Conversation:MaxHistoryMessages 6), so folds began.
        for (var i = 1; i <= 6; i++)
        {
            await AskAsync(sender, session, i);
        }

        await TestWait.UntilAsync(
            async () => (await conversation.GetSnapshotAsync())!.Context.ContainsKey(SessionContextKeys.Summary),
            "the first fold",
            TimeSpan.FromSeconds(30));
        var before = fixture.Writes(session);
        for (var i = 7; i <= 10; i++)
        {
            await AskAsync(sender, session, i);
        }

        Assert.Equal(4, fixture.Writes(session) - before); // one per turn: each fold rode along with the next turn's write

        // A turn once the folds before it are done: its write goes out first, then its fold (through turn 8: the 3 turns
        // after it stay unfolded), which is written as the activation goes away; the next activation reads it back.
        await SettledAsync(conversation);
        await AskAsync(sender, session, 11);
        var eighth = (await conversation.GetSnapshotAsync())!.History.Single(t => t.Transcript == "echo turn 8").TurnId;
        var folded = await SettledAsync(conversation);
        Assert.Equal(eighth, folded.Through);
        var written = fixture.Writes(session);
        await conversation.AsReference<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        await TestWait.UntilAsync(() => Task.FromResult(fixture.Writes(session) > written), "the deactivation's write", TimeSpan.FromSeconds(30));

        var reread = (await conversation.GetSnapshotAsync())!;
        Assert.Equal(folded.Through, reread.Context[SessionContextKeys.SummarizedThrough]);
        Assert.Equal(folded.Summary, reread.Context[SessionContextKeys.Summary]);
    }

    /// <summary>Waits until the running summary stays the same for a second (a fold takes milliseconds).</summary>
    private static async Task<(string? Through, string? Summary)> SettledAsync(IConversationGrain conversation)
    {
        (string? Through, string? Summary) settled = default;
        await TestWait.UntilAsync(
            async () =>
            {
                var first = (await conversation.GetSnapshotAsync())!.Context;
                await Task.Delay(1000, Ct);
                var then = (await conversation.GetSnapshotAsync())!.Context;
                settled = (then.GetValueOrDefault(SessionContextKeys.SummarizedThrough), then.GetValueOrDefault(SessionContextKeys.Summary));
                return settled.Through is not null && settled.Through == first.GetValueOrDefault(SessionContextKeys.SummarizedThrough);
            },
            "the folds to settle",
            TimeSpan.FromSeconds(30));
        return settled;
    }

    private static async Task AskAsync(TextTurnSender sender, string session, int turn)
    {
        await foreach (var item in sender.AskAsync(new TextQuestion(session, "ana", $"echo turn {turn}", Speak: false, $"c-{turn}"), TimeSpan.FromSeconds(30), Ct))
        {
            if (item is TurnFailed failed)
            {
                Assert.Fail($"turn {turn} failed: {failed}");
            }
        }
    }

    /// <summary>The pipeline cluster, counting the conversation state writes that reach the memory storage (key "session/{grain id}").</summary>
    public sealed class CountingCluster : PipelineCluster
    {
        private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);

        /// <summary>Agents see 3 turns; the state keeps 5 (the pipeline cluster's window).</summary>
        protected override IReadOnlyDictionary<string, string?> SiloSettings { get; } = new Dictionary<string, string?> { ["Conversation:MaxHistoryMessages"] = "6" };

        public int Writes(string session) => _writes.Where(w => w.Key.Contains(session, StringComparison.Ordinal)).Sum(w => w.Value);

        protected override void ConfigureSiloServices(IServiceCollection services) =>
            services.AddSingleton<IIncomingGrainCallFilter>(new WriteCounter(this));

        private sealed class WriteCounter(CountingCluster owner) : IIncomingGrainCallFilter
        {
            public Task Invoke(IIncomingGrainCallContext context)
            {
                if (context.InterfaceMethod.Name == "WriteStateAsync"
                    && context.InterfaceName.Contains("MemoryStorageGrain", StringComparison.Ordinal)
                    && context.Request.GetArgument(0) is string key
                    && key.StartsWith("session/", StringComparison.Ordinal)) // the conversation grain's state ("session")
                {
                    owner._writes.AddOrUpdate(key, 1, (_, n) => n + 1);
                }

                return context.Invoke();
            }
        }
    }
}
