using System.Buffers.Binary;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech.Adaptation;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Speech.Tests;

public sealed class SpeakerAdaptationTests(SpeechFixture fixture)
{
    [Fact]
    public void Sendump_converts_to_normalised_float_mixture_weights()
    {
        var model = new PocketSphinxOptions().ResolvedAcousticModelPath;
        var path = Path.Combine(Path.GetTempPath(), $"mixw-{Guid.NewGuid():N}");
        try
        {
            MixtureWeights.ConvertSendump(Path.Combine(model, "sendump"), path);

            var data = File.ReadAllBytes(path);
            var header = "s3\nversion 1.0\nendhdr\n"u8;
            Assert.True(data.AsSpan(0, header.Length).SequenceEqual(header));
            var body = data[header.Length..];
            int Int(int i) => BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4 * i));
            Assert.Equal((0x11223344, 5126, 3, 128, 5126 * 3 * 128), (Int(0), Int(1), Int(2), Int(3), Int(4)));
            Assert.Equal(20 + (5126 * 3 * 128 * 4), body.Length);
            foreach (var distribution in new[] { 0, 1000, 15377 })
            {
                double sum = 0;
                for (var d = 0; d < 128; d++)
                {
                    sum += BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(20 + (4 * ((distribution * 128) + d))));
                }

                Assert.InRange(sum, 0.999, 1.001);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Enrolled_model_is_a_complete_acoustic_model_directory()
    {
        foreach (var file in new[] { "means", "variances", "mixture_weights", "transition_matrices", "mdef", "noisedict", "feat.params", "ADAPTATION" })
        {
            Assert.True(File.Exists(Path.Combine(fixture.AdaptedModelPath, file)), file);
        }

        Assert.False(File.Exists(Path.Combine(fixture.AdaptedModelPath, "sendump")));
    }

    [Fact]
    public async Task Transcripts_with_unknown_words_are_rejected_before_any_tool_runs()
    {
        var adaptation = new SpeakerAdaptation(
            Options.Create(new PocketSphinxOptions()), Options.Create(new SpeakerAdaptationOptions()), new TestOutputLogger<SpeakerAdaptation>());
        var output = Path.Combine(Path.GetTempPath(), $"adapt-{Guid.NewGuid():N}");
        var audio = PcmAudio.Silence(TimeSpan.FromSeconds(1), 16000);

        await Assert.ThrowsAsync<ArgumentException>(() => adaptation.AdaptAsync([(audio, "the zzyzxq sailed")], output, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => adaptation.AdaptAsync([], output, TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        var options = new SpeakerAdaptationOptions { Iterations = 0, SphinxTrainDirectory = " " };

        var result = options.Validate();

        Assert.True(result.Failed);
        Assert.Throws<OptionsValidationException>(() => new SpeakerAdaptation(
            Options.Create(new PocketSphinxOptions()), Options.Create(options), new TestOutputLogger<SpeakerAdaptation>()));
    }
}
