using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests;

/// <summary><c>--input question.wav --output answer.wav</c>: the same program, one question, no web client.</summary>
public sealed class CommandLineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Answers_a_wav_file_into_a_wav_file()
    {
        var directory = Directory.CreateTempSubdirectory("ao-cli-");
        try
        {
            var input = Path.Combine(directory.FullName, "question.wav");
            var output = Path.Combine(directory.FullName, "answer.wav");
            await File.WriteAllBytesAsync(input, await EspeakCli.SayAsync("echo hello world", Ct), Ct);

            var (exitCode, stdout, stderr) = await RunAsync("--input", input, "--output", output);

            Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}");
            Assert.Contains("heard:  echo hello world", stdout, StringComparison.Ordinal);
            Assert.Contains("answer: [echo] hello world", stdout, StringComparison.Ordinal);
            var answer = WavCodec.Decode(await File.ReadAllBytesAsync(output, Ct));
            Assert.InRange(answer.Duration.TotalSeconds, 0.3, 5);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_input_file_exits_2_with_the_reason()
    {
        var input = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(input, "not a wav", Ct);

            var (exitCode, _, stderr) = await RunAsync("--input", input);

            Assert.Equal(2, exitCode);
            Assert.Contains("RIFF", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Fact]
    public async Task Silent_input_exits_3_no_speech()
    {
        var input = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(input, WavCodec.Encode(TestAudio.Silence(1000)), Ct);

            var (exitCode, _, stderr) = await RunAsync("--input", input);

            Assert.Equal(3, exitCode);
            Assert.Contains("no speech", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Fact]
    public async Task Enrols_a_voice_from_recordings_into_a_model_the_service_can_use()
    {
        var recordings = Directory.CreateTempSubdirectory("ao-enrol-in-");
        var model = Path.Combine(Path.GetTempPath(), "ao-enrol-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] prompts = ["the quick brown fox jumps over the lazy dog", "please close the window", "we need more water"];
            for (var i = 0; i < prompts.Length; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(recordings.FullName, $"{i}.wav"), await EspeakCli.SayAsync(prompts[i], Ct), Ct);
                await File.WriteAllTextAsync(Path.Combine(recordings.FullName, $"{i}.txt"), prompts[i], Ct);
            }

            var (exitCode, stdout, stderr) = await RunRawAsync("--enrol-voice", recordings.FullName, "--model-output", model);

            Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}");
            Assert.Contains("--Speech:PocketSphinx:AcousticModelPath=", stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(model, "mixture_weights")) && File.Exists(Path.Combine(model, "means")));
        }
        finally
        {
            recordings.Delete(recursive: true);
            if (Directory.Exists(model))
            {
                Directory.Delete(model, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("--enrol-espeak-voice")]
    [InlineData("--enrol-voice", "/nonexistent-folder", "--model-output", "/tmp/x")]
    public async Task Enrolment_with_missing_arguments_or_recordings_exits_2(params string[] args)
    {
        var (exitCode, _, stderr) = await RunRawAsync(args);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error:", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var model = await EspeakVoiceEnrolment.GetModelAsync(Ct);
        return await RunRawAsync([.. args, $"--Speech:PocketSphinx:AcousticModelPath={model}"]);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunRawAsync(params string[] args) => SiloProcess.RunAsync(args);
}
