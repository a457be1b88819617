using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Grains.Tests.Conversations;

public sealed class HeldTurnSinkTests
{
    private readonly RecordingSink _inner = new();

    private static AnswerDelta Delta(string text) => new("t1", text);

    [Fact]
    public async Task Events_are_held_until_commit_then_go_out_in_order_and_speech_waits_for_it()
    {
        var sink = new HeldTurnSink(_inner);
        await sink.PublishAsync(Delta("a"));
        var speaking = sink.SpeakAsync(new SpeechRequest("s", "t1", "Hello.", null));
        await sink.PublishAsync(Delta("b"));

        Assert.Empty(_inner.Events);
        Assert.False(speaking.IsCompleted);

        await sink.CommitAsync();
        await speaking;
        await sink.PublishAsync(Delta("c"));

        Assert.Equal(["a", "b", "c"], _inner.Events.OfType<AnswerDelta>().Select(d => d.Text));
        Assert.Equal("Hello.", Assert.Single(_inner.Spoken).Text);
    }

    [Fact]
    public async Task A_discarded_turn_publishes_and_speaks_nothing()
    {
        var sink = new HeldTurnSink(_inner);
        await sink.PublishAsync(Delta("a"));
        var speaking = sink.SpeakAsync(new SpeechRequest("s", "t1", "Hello.", null));

        sink.Discard();
        await sink.PublishAsync(Delta("b"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => speaking);
        Assert.Empty(_inner.Events);
        Assert.Empty(_inner.Spoken);
    }
}
