using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>espeak-ng speech in a wake-required Discord session, through the SpeakerGrain with the real spotter and recogniser.</summary>
public sealed class EmbeddedWakeTests(EmbeddedWakeCluster fixture) : IClassFixture<EmbeddedWakeCluster>
{
    private UtteranceUploadProcessor Uploads => fixture.ClientServices.GetRequiredService<UtteranceUploadProcessor>();

    private static async Task<PcmAudio> SpeakAsync(string text) =>
        TestAudio.Concat(
            TestAudio.Silence(300),
            WavCodec.Decode(await EspeakCli.SayAsync(text, TestContext.Current.CancellationToken)).ToMono().ResampleTo(16000),
            TestAudio.Silence(900));

    [Fact]
    public async Task Spoken_wake_phrase_is_spotted_and_stripped_and_speech_without_one_is_not_answered()
    {
        var session = await fixture.OpenGuildSessionAsync(424242);

        var woken = await Uploads.ProcessAsync(session, "espeak-1", await SpeakAsync("hey orchestrator echo good morning"), TestContext.Current.CancellationToken);
        var ignored = await Uploads.ProcessAsync(session, "espeak-2", await SpeakAsync("echo good morning"), TestContext.Current.CancellationToken);

        var turn = Assert.Single(woken.Turns);
        Assert.Equal(("hey orchestrator echo good morning", "good morning"), (turn.Transcript, turn.ResponseText));
        Assert.True(ignored.NoSpeech);
        var recorded = Assert.Single((await fixture.Client.GetGrain<IConversationGrain>(session).GetSnapshotAsync())!.History);
        Assert.NotNull(recorded.Timings?.WakeDetectMs);

        // "hey orchestrator" takes about a second; it is detected from the audio, before the utterance ends.
        Assert.InRange(recorded.Timings!.WakeDetectMs!.Value, 300, 1500);
    }
}
