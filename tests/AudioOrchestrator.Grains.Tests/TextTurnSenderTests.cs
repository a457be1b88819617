using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Ingress.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>Text turns through the Orleans pipeline: the same conversation path as a transcript, answered as events.</summary>
public sealed class TextTurnSenderTests(PipelineCluster fixture) : IClassFixture<PipelineCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SessionOutputHub Hub => fixture.ClientServices.GetRequiredService<SessionOutputHub>();

    private static string NewSession() => "text-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_text_turn_is_answered_with_deltas_recorded_as_text_and_spoken_only_when_asked()
    {
        var session = NewSession();
        var sender = new TextTurnSender(fixture.Client, Hub, TimeProvider.System, NullLogger<TextTurnSender>.Instance);

        var quiet = await CollectAsync(sender, new TextQuestion(session, "ana", "  echo good morning  ", Speak: false, "c-1"));
        var spoken = await CollectAsync(sender, new TextQuestion(session, "ana", "echo good night", Speak: true, "c-2"));

        Assert.IsType<AnswerStarted>(quiet[0]);
        Assert.Equal("good morning", Assert.IsType<AnswerCompleted>(quiet[^1]).ResponseText);
        Assert.Equal("good morning", string.Concat(quiet.OfType<AnswerDelta>().Select(d => d.Text)));
        Assert.Empty(quiet.OfType<AnswerAudio>());
        Assert.NotEmpty(spoken.OfType<AnswerAudio>());
        Assert.All(quiet.Concat(spoken), e => Assert.NotNull(e.CorrelationId));

        var history = (await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History;
        Assert.Equal(
            [("echo good morning", TurnSources.Text, 0d), ("echo good night", TurnSources.Text, 1d)],
            history.Select(t => (t.Transcript, t.Source, Math.Min(1, t.Timings!.TtsMs))));
    }

    [Fact]
    public async Task An_answer_that_does_not_complete_in_time_is_a_timeout_and_the_session_goes_on()
    {
        var session = NewSession();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sender = new TextTurnSender(fixture.Client, Hub, clock, NullLogger<TextTurnSender>.Instance);
        var seen = new List<SessionOutputEvent>();

        var timedOut = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await foreach (var item in sender.AskAsync(new TextQuestion(session, "ana", "slow take your time", Speak: false, "c-slow"), TimeSpan.FromSeconds(30), Ct))
            {
                seen.Add(item);
                if (item is AnswerStarted)
                {
                    clock.Advance(TimeSpan.FromSeconds(31)); // the slow agent has started and will not finish in 30 s of this clock
                }
            }
        });

        Assert.Contains("30 s", timedOut.Message, StringComparison.Ordinal);
        Assert.Equal("slow", Assert.IsType<AnswerStarted>(Assert.Single(seen)).Agent);
        var next = await CollectAsync(new TextTurnSender(fixture.Client, Hub, TimeProvider.System, NullLogger<TextTurnSender>.Instance), new TextQuestion(session, "ana", "echo still here", false, "c-next"));
        Assert.Equal("still here", Assert.IsType<AnswerCompleted>(next[^1]).ResponseText);
    }

    [Fact]
    public async Task Forgetting_the_session_while_it_answers_ends_the_answer_as_failed()
    {
        var session = NewSession();
        var sender = new TextTurnSender(fixture.Client, Hub, TimeProvider.System, NullLogger<TextTurnSender>.Instance);
        var seen = new List<SessionOutputEvent>();

        await foreach (var item in sender.AskAsync(new TextQuestion(session, "ana", "slow take your time", Speak: false, "c-forget"), TimeSpan.FromSeconds(60), Ct))
        {
            seen.Add(item);
            if (item is AnswerStarted)
            {
                await fixture.Client.GetGrain<IConversationGrain>(session).DeleteAsync();
            }
        }

        Assert.IsType<AnswerStarted>(seen[0]);
        Assert.Contains("forgotten", Assert.IsType<TurnFailed>(seen[^1]).Reason, StringComparison.Ordinal);
        Assert.Null(await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync());
    }

    private static async Task<List<SessionOutputEvent>> CollectAsync(TextTurnSender sender, TextQuestion question)
    {
        var events = new List<SessionOutputEvent>();
        await foreach (var item in sender.AskAsync(question, TimeSpan.FromSeconds(60), Ct))
        {
            events.Add(item);
        }

        return events;
    }
}
