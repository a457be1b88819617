using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Synthesis;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>
/// A sentence whose synthesis call is lost with its silo after the grain spoke it (as in a rolling restart, when the
/// synthesis grain's silo stops while the session waits on it): the session asks again, the sentence is spoken again
/// from its first frame, and the upload's answer holds it once.
/// </summary>
public sealed class SpeakRetryTests(SpeakRetryTests.LostSpeechCluster fixture) : IClassFixture<SpeakRetryTests.LostSpeechCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sentence_whose_synthesis_call_was_lost_is_spoken_again_and_the_answer_holds_it_once()
    {
        var uploads = fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();
        var control = await uploads.ProcessAsync("spoken-" + Guid.NewGuid().ToString("N")[..12], "ana", TestAudio.Question(440), Ct);
        var session = LostSpeechCluster.Prefix + Guid.NewGuid().ToString("N")[..12];

        var result = await uploads.ProcessAsync(session, "ana", TestAudio.Question(440), Ct);

        Assert.Contains(session, fixture.Lost); // the first call's answer was lost after the sentence was published
        var turn = Assert.Single(result.Turns);
        Assert.Null(turn.Error);
        Assert.Equal("hello world", turn.ResponseText);
        var expected = Assert.Single(control.Turns).AnswerWav!;
        Assert.Equal(expected.Length, turn.AnswerWav!.Length); // published twice, kept once
        Assert.Equal(expected, turn.AnswerWav);
    }

    /// <summary>
    /// A cluster whose synthesis grain, for sessions named <see cref="Prefix"/>…, speaks the first sentence and then
    /// answers <see cref="SiloUnavailableException"/>, as a caller sees a call broken by its target's silo going away.
    /// </summary>
    public sealed class LostSpeechCluster : PipelineCluster
    {
        public const string Prefix = "lostspeak-";

        public ConcurrentQueue<string> Lost { get; } = new();

        protected override void ConfigureSiloServices(IServiceCollection services) =>
            services.AddSingleton<IIncomingGrainCallFilter>(new LoseFirstAnswer(this));

        private sealed class LoseFirstAnswer(LostSpeechCluster owner) : IIncomingGrainCallFilter
        {
            public async Task Invoke(IIncomingGrainCallContext context)
            {
                await context.Invoke();
                if (context.TargetContext.GrainInstance is SpeechSynthesisGrain
                    && context.InterfaceMethod.Name == nameof(ISpeechSynthesisGrain.SpeakAsync)
                    && context.TargetContext.GrainId.Key.ToString() is { } session
                    && session.StartsWith(Prefix, StringComparison.Ordinal)
                    && !owner.Lost.Contains(session))
                {
                    owner.Lost.Enqueue(session);
                    throw new SiloUnavailableException("The test loses the answer of a synthesis call that was made.");
                }
            }
        }
    }
}
