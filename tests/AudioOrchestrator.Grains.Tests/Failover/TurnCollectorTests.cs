using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Grains.Tests.Failover;

/// <summary>An upload's events: complete once every turn its input started finished; an input end told twice or cut is understood.</summary>
public sealed class TurnCollectorTests
{
    private const string Upload = "upload-1";

    [Fact]
    public async Task An_input_end_told_again_with_no_turns_does_not_complete_the_upload_early()
    {
        // The input end was published again (its first publish got no answer in time): the speaker, which had already
        // closed the input, reports no turns the second time.
        var collector = new TurnCollector(Upload);
        await collector.OnEventAsync(new InputCompleted("rest", 1) { CorrelationId = Upload });
        await collector.OnEventAsync(new InputCompleted("rest", 0) { CorrelationId = Upload });
        Assert.False(collector.Completion.IsCompleted);

        await collector.OnEventAsync(new TurnFailed("turn-1", "no agent") { CorrelationId = Upload });
        Assert.True(collector.Completion.IsCompleted);
        Assert.False(collector.InputCut);
    }

    [Fact]
    public async Task A_cut_input_completes_the_upload_and_says_so()
    {
        var collector = new TurnCollector(Upload);
        await collector.OnEventAsync(new InputCompleted("rest", 0, Cut: true) { CorrelationId = Upload });
        Assert.True(collector.Completion.IsCompleted);
        Assert.True(collector.InputCut);
    }

    [Fact]
    public async Task Frames_published_twice_are_in_the_answer_once_in_order()
    {
        // Ten frames of a spoken answer; the sentence is spoken again from frame 0 after frame 6, and a batch comes early.
        var frames = OpusPacketizer.Encode(TestAudio.Tone(440, 200, 48000), channels: 1).ToArray();
        var whole = new TurnCollector(Upload);
        var twice = new TurnCollector(Upload);
        await Answer(whole, new AnswerAudio("t", 0, frames[..5]), new AnswerAudio("t", 5, frames[5..]));
        await Answer(
            twice,
            new AnswerAudio("t", 0, frames[..4]),
            new AnswerAudio("t", 6, frames[6..8]),
            new AnswerAudio("t", 4, frames[4..6]),
            new AnswerAudio("t", 0, frames[..5]),
            new AnswerAudio("t", 5, frames[5..]));

        Assert.Equal(whole.BuildTurns().Single().AnswerWav, twice.BuildTurns().Single().AnswerWav);
    }

    [Theory]
    [InlineData(0, 10, 4)]
    [InlineData(10, 10, 4)]
    [InlineData(12, 12, 2)]
    [InlineData(14, null, 0)]
    [InlineData(20, null, 0)]
    public void A_batch_from_a_frame_number_keeps_its_frames_from_there(int from, int? first, int count)
    {
        var batch = new AnswerAudio("t", 10, [[1], [2], [3], [4]], EndsSentence: true);

        var rest = batch.From(from);

        Assert.Equal((long?)first, rest?.FirstSequence);
        Assert.Equal(count, rest?.Frames.Length ?? 0);
        if (rest is not null)
        {
            Assert.Equal(batch.Frames[^count..], rest.Frames);
            Assert.Equal(14, rest.NextSequence);
            Assert.True(rest.EndsSentence);
        }
    }

    private static async Task Answer(TurnCollector collector, params AnswerAudio[] audio)
    {
        await collector.OnEventAsync(new AnswerStarted("t", "1", "echo hi", "echo", new TurnRoute(TurnRoute.Phrase, "echo {text}")) { CorrelationId = Upload });
        foreach (var batch in audio)
        {
            await collector.OnEventAsync(batch with { CorrelationId = Upload });
        }

        await collector.OnEventAsync(new AnswerCompleted("t", new TurnTimings(1, 1, 1, 1, 1), "hi") { CorrelationId = Upload });
        await collector.OnEventAsync(new InputCompleted("rest", 1) { CorrelationId = Upload });
    }
}
