using System.Collections.Concurrent;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>
/// Preemptive answering through the live path: after 200 ms of silence the utterance heard so far is transcribed and
/// answered ahead; kept when the speaker has really stopped, discarded (model request aborted, side effects never run)
/// when they go on.
/// </summary>
[Collection(LlmCollection.Name)]
public sealed class PreemptiveAnsweringTests(LlmCluster fixture) : IDisposable
{
    private readonly DateTimeOffset _since = DateTimeOffset.UtcNow;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SessionOutputHub Hub => fixture.ClientServices.GetRequiredService<SessionOutputHub>();

    public void Dispose() => fixture.Converse = _ => FakeChatReply.Say("I am the model.");

    private FakeChatRequest[] Asked(string question) =>
        [.. fixture.Server.Requests.Where(r => r.ReceivedAt >= _since && !LlmCluster.IsClassification(r) && r.LastUser.Contains(question, StringComparison.Ordinal))];

    private static string NewSession() => "ahead-" + Guid.NewGuid().ToString("N")[..10];

    private async Task<ConcurrentQueue<SessionOutputEvent>> ListenAsync(string session)
    {
        var events = new ConcurrentQueue<SessionOutputEvent>();
        var listening = await Hub.ListenAsync(session, e => { events.Enqueue(e); return Task.CompletedTask; }, Ct);
        _ = WaitAndStopListeningAsync(listening);
        return events;
    }

    private static async Task WaitAndStopListeningAsync(IAsyncDisposable listening)
    {
        await Task.Delay(TimeSpan.FromSeconds(30));
        await listening.DisposeAsync();
    }

    [Fact]
    public async Task An_answer_prepared_during_the_silence_is_kept_when_the_speaker_has_stopped()
    {
        var session = NewSession();
        fixture.Converse = _ => FakeChatReply.Say("Here is your song.");
        var events = await ListenAsync(session);

        // The preemptive point (200 ms of silence) comes before the end of the utterance (500 ms) on the audio's own
        // timeline, whether the silence arrives as packets or is fed by the packet-gap timer, late or not.
        await LiveSpeaker.SendAsync(fixture.ClientServices, new SpeakerRef(session, "alice"), TestAudio.Concat(TestAudio.Tone(880, 600), TestAudio.Silence(100)), 0, Ct);
        await TestWait.UntilAsync(() => events.OfType<AnswerCompleted>().Any(), "the answer");

        Assert.Single(Asked("sing me a song"));
        var turn = Assert.Single((await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History);
        Assert.Equal(("conversation", "Here is your song.", true), (turn.Agent, turn.ResponseText, turn.AnsweredAhead));
        Assert.Single(events.OfType<AnswerStarted>());
    }

    [Fact]
    public async Task When_the_speaker_goes_on_the_prepared_answer_is_discarded_and_its_side_effects_never_run()
    {
        // In the patient guild an utterance ends after 3 s of silence, so the speaker can pause until the prepared answer
        // has asked the model (and the model has asked for a tool with side effects) and then go on.
        var session = await fixture.OpenGuildSessionAsync(LlmCluster.PatientGuild);
        await fixture.Client.GetGrain<IConversationGrain>(session).DeleteAsync();
        var before = fixture.Mcp.Orders.Count;
        await TestWait.UntilAsync(() => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Tools.McpToolCatalog>().Servers.All(s => s.IsConnected), "MCP servers");
        fixture.Converse = r => r.LastUser.Contains("sing me a song", StringComparison.Ordinal)
            ? new FakeChatReply { ToolCalls = [new FakeToolCall("web_order_pizza", "{\"size\": \"large\"}")] }
            : FakeChatReply.Say("?");
        var events = await ListenAsync(session);
        var alice = new SpeakerRef(session, "alice");

        // "sing me a song", a pause (past the 200 ms of preemption), then, once the prepared answer has asked the model,
        // more speech: one utterance, whose tones average to "what time is it".
        var sent = await LiveSpeaker.SendAsync(fixture.ClientServices, alice, TestAudio.Concat(TestAudio.Tone(880, 600), TestAudio.Silence(200)), 0, Ct);
        await TestWait.UntilAsync(() => Asked("sing me a song").Length == 1, "the prepared answer to ask the model");
        await LiveSpeaker.SendAsync(fixture.ClientServices, alice, TestAudio.Concat(TestAudio.Tone(440, 600), TestAudio.Silence(100)), sent, Ct);
        await TestWait.UntilAsync(() => events.OfType<AnswerCompleted>().Any(), "the answer");

        var prepared = Assert.Single(Asked("sing me a song"));
        await TestWait.UntilAsync(() => prepared.EndedAt is not null, "the prepared request to end");
        Assert.Equal(before, fixture.Mcp.Orders.Count); // the pizza was never ordered
        var turn = Assert.Single((await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History);
        Assert.NotEqual("conversation", turn.Agent);
        Assert.DoesNotContain(events.OfType<AnswerStarted>(), s => s.Transcript == "sing me a song");
    }
}
