using AudioOrchestrator.Speech;

namespace AudioOrchestrator.Speech.Tests;

/// <summary>
/// pocketsphinx decoders started on several threads at once all start: the native start-up is not safe to run
/// concurrently (a test run once hung for ever with two threads inside <c>ps_init</c>), so the product starts one at a
/// time. Bounded: the test fails instead of hanging if a start-up never returns.
/// </summary>
public sealed class DecoderStartupTests(SpeechFixture speech)
{
    [Fact]
    public async Task Decoders_started_on_several_threads_at_once_all_start()
    {
        var options = new PocketSphinxOptions { AcousticModelPath = speech.AdaptedModelPath };
        for (var round = 0; round < 5; round++)
        {
            var starts = Enumerable.Range(0, 3).Select(_ => Task.Run(() => PocketSphinxDecoder.Create(options), TestContext.Current.CancellationToken)).ToArray();
            var decoders = await Task.WhenAll(starts).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            foreach (var decoder in decoders)
            {
                decoder.Dispose();
            }
        }
    }
}
