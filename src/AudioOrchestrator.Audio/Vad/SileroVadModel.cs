using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace AudioOrchestrator.Audio;

/// <summary>
/// The Silero VAD v5 ONNX model in one <see cref="InferenceSession"/> (CPU, one intra-op thread). Create one per process
/// (register it as a singleton) and share it: the session is thread-safe, all per-speaker state lives in
/// <see cref="SileroVadStream"/>. The file is read once, its sha256 checked against
/// <see cref="SileroVadOptions.ModelSha256"/>, and the session built from the very bytes that were checked.
/// </summary>
public sealed class SileroVadModel : IDisposable
{
    /// <summary>Sample rate the model runs at.</summary>
    public const int SampleRate = AudioFormat.SpeechSampleRate;

    /// <summary>New samples per inference window (32 ms at 16 kHz).</summary>
    public const int WindowSamples = 512;

    /// <summary>Samples of the previous window prepended to each input row.</summary>
    public const int ContextSamples = 64;

    /// <summary>Length of one input row: context then window.</summary>
    public const int InputSamples = ContextSamples + WindowSamples;

    /// <summary>Width of the recurrent state per layer and stream (state is [2, B, 128]).</summary>
    public const int StateWidth = 128;

    /// <summary>Recurrent state floats per stream (2 x 128).</summary>
    public const int StateSize = 2 * StateWidth;

    internal const string InputName = "input";
    internal const string StateName = "state";
    internal const string SampleRateName = "sr";
    internal const string OutputName = "output";
    internal const string StateOutputName = "stateN";

    private const string Fix = "Run scripts/setup.sh to fetch it (npm @ricky0123/vad-web@0.0.31, sha256-checked) or point SileroVadOptions.ModelPath at a verified copy.";

    private readonly InferenceSession _session;

    public SileroVadModel(SileroVadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        var path = Path.GetFullPath(options.ModelPath);
        var bytes = ReadVerified(path, options.ModelSha256);
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new SileroVadModelException($"The Silero VAD model at '{path}' could not be loaded by ONNX Runtime: {e.Message} {Fix}", path, e);
        }

        try
        {
            CheckSignature(_session, path);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        ModelPath = path;
    }

    /// <summary>Absolute path of the loaded model file.</summary>
    public string ModelPath { get; }

    internal InferenceSession Session => _session;

    public void Dispose() => _session.Dispose();

    private static byte[] ReadVerified(string path, string expectedSha256)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SileroVadModelException($"The Silero VAD model file '{path}' does not exist. {Fix}", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SileroVadModelException($"The Silero VAD model file '{path}' could not be read: {e.Message} {Fix}", path, e);
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, expectedSha256, StringComparison.Ordinal))
        {
            throw new SileroVadModelException(
                $"The Silero VAD model file '{path}' has sha256 {actual}, expected {expectedSha256}: it is damaged or not the expected model. {Fix}",
                path);
        }

        return bytes;
    }

    private static void CheckSignature(InferenceSession session, string path)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        var expected = new (IReadOnlyDictionary<string, NodeMetadata> Metadata, string Name, Type Type)[]
        {
            (inputs, InputName, typeof(float)),
            (inputs, StateName, typeof(float)),
            (inputs, SampleRateName, typeof(long)),
            (outputs, OutputName, typeof(float)),
            (outputs, StateOutputName, typeof(float)),
        };
        foreach (var (metadata, name, type) in expected)
        {
            if (!metadata.TryGetValue(name, out var node) || node.ElementType != type)
            {
                var found = string.Join(", ", inputs.Keys.Concat(outputs.Keys));
                throw new SileroVadModelException(
                    $"The model at '{path}' is not a Silero VAD v5 model: it lacks the {type.Name} tensor '{name}' (it has {found}). {Fix}",
                    path);
            }
        }
    }
}
