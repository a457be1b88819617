using System.Security.Cryptography;
using AudioOrchestrator.Audio.Tests.Vad;

[assembly: AssemblyFixture(typeof(SileroFixture))]

namespace AudioOrchestrator.Audio.Tests.Vad;

public sealed class SileroVadModelTests(SileroFixture fixture) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("silero-model-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_cached_model_loads_with_the_v5_signature()
    {
        var model = fixture.Model;

        Assert.Equal(Path.GetFullPath(SileroVadOptions.DefaultModelPath), model.ModelPath);
        var inputs = model.Session.InputMetadata;
        var outputs = model.Session.OutputMetadata;
        Assert.Equal(["input", "sr", "state"], inputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["output", "stateN"], outputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([2, -1, 128], inputs["state"].Dimensions);
        Assert.Equal(typeof(long), inputs["sr"].ElementType);
        Assert.Equal(SileroVadOptions.Version5Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model.ModelPath))));
    }

    [Fact]
    public void A_missing_model_file_fails_naming_the_path_and_the_setup_script()
    {
        var path = Path.Combine(_directory, "absent", "silero_vad_v5.onnx");

        var error = Assert.Throws<SileroVadModelException>(() => new SileroVadModel(new SileroVadOptions { ModelPath = path }));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.ModelPath);
    }

    [Fact]
    public void A_tampered_model_file_fails_naming_the_path_the_hashes_and_the_setup_script()
    {
        var bytes = File.ReadAllBytes(fixture.Model.ModelPath);
        bytes[bytes.Length / 2] ^= 0x01;
        var path = Path.Combine(_directory, "silero_vad_v5.onnx");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<SileroVadModelException>(() => new SileroVadModel(new SileroVadOptions { ModelPath = path }));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(SileroVadOptions.Version5Sha256, error.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(bytes)), error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_model_file_fails_the_hash_check()
    {
        var bytes = File.ReadAllBytes(fixture.Model.ModelPath);
        var path = Path.Combine(_directory, "truncated.onnx");
        File.WriteAllBytes(path, bytes.AsSpan(0, 1000).ToArray());

        var error = Assert.Throws<SileroVadModelException>(() => new SileroVadModel(new SileroVadOptions { ModelPath = path }));

        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_matches_its_configured_hash_but_is_no_model_is_refused_by_the_loader()
    {
        byte[] junk = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];
        var path = Path.Combine(_directory, "junk.onnx");
        File.WriteAllBytes(path, junk);

        var error = Assert.Throws<SileroVadModelException>(() =>
            new SileroVadModel(new SileroVadOptions { ModelPath = path, ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(junk)) }));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_copy_of_the_model_at_another_path_loads()
    {
        var path = Path.Combine(_directory, "copy.onnx");
        File.Copy(fixture.Model.ModelPath, path);

        using var model = new SileroVadModel(new SileroVadOptions { ModelPath = path });

        Assert.Equal(path, model.ModelPath);
    }

    [Fact]
    public void Default_options_are_valid_and_point_at_the_setup_cache()
    {
        var options = new SileroVadOptions();

        Assert.Empty(options.Validate());
        Assert.EndsWith(Path.Combine("audio-orchestrator", "models", "silero_vad_v5.onnx"), options.ModelPath, StringComparison.Ordinal);
        Assert.Equal(0.5f, options.SpeechThreshold);
        Assert.Equal(0.35f, options.SilenceThreshold);
    }

    [Theory]
    [InlineData("", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", 0.5f, 0.35f, -60, "ModelPath")]
    [InlineData("m.onnx", "2623A2953F6FF3D2C1E61740C6CDB7168133479B267DFEF114A4A3CC5BDD788F", 0.5f, 0.35f, -60, "ModelSha256")]
    [InlineData("m.onnx", "abc", 0.5f, 0.35f, -60, "ModelSha256")]
    [InlineData("m.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", 1f, 0.35f, -60, "SpeechThreshold")]
    [InlineData("m.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", float.NaN, 0.35f, -60, "SpeechThreshold")]
    [InlineData("m.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", 0.5f, 0f, -60, "SilenceThreshold")]
    [InlineData("m.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", 0.4f, 0.6f, -60, "SilenceThreshold")]
    [InlineData("m.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", 0.5f, 0.35f, 3, "EnergyGateDbfs")]
    [InlineData("m.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f", 0.5f, 0.35f, double.NaN, "EnergyGateDbfs")]
    public void Invalid_options_are_rejected_naming_the_setting(string path, string sha256, float on, float off, double gate, string setting)
    {
        var options = new SileroVadOptions { ModelPath = path, ModelSha256 = sha256, SpeechThreshold = on, SilenceThreshold = off, EnergyGateDbfs = gate };

        var problem = Assert.Single(options.Validate());
        Assert.StartsWith(setting, problem, StringComparison.Ordinal);
        Assert.False(new SileroVadOptionsValidator().Validate(null, options).Succeeded);
        var error = Assert.Throws<ArgumentException>(() => new SileroVadModel(options));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
