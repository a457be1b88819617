using System.Buffers.Binary;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Checks that a path names a ggml Whisper model before whisper.cpp is given it. whisper.cpp trusts the file: a
/// truncated or foreign file makes it allocate from garbage sizes and abort the process, and a vocabulary without the
/// single-space token aborts it on the first utterance. So the header, the mel filters and the vocabulary are walked
/// here (magic, eleven 32-bit hyper-parameters, <c>n_mel</c> x <c>n_fft</c> floats, then the words), with limits no
/// real model comes near; the tensors that follow are left to whisper.cpp, which checks them itself.
/// </summary>
public static class WhisperModelFile
{
    /// <summary>The ggml magic, <c>"ggml"</c> as a little-endian 32-bit number at the start of the file.</summary>
    public const uint GgmlMagic = 0x67676d6c;

    private const int HyperParameters = 11;
    private const int MaxDimension = 1 << 20;
    private const int MaxWordBytes = 4096;

    /// <summary>Null when <paramref name="path"/> is a readable ggml Whisper model; otherwise what is wrong, for an operator.</summary>
    public static string? Problem(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "Speech:Whisper:ModelPath is not set: download a ggml model (e.g. ggml-base.en.bin) and point it there.";
        }

        if (!File.Exists(path))
        {
            return $"The Whisper model file '{path}' (Speech:Whisper:ModelPath) does not exist.";
        }

        try
        {
            using var file = new BufferedStream(File.OpenRead(path), 1 << 16);
            return Walk(file) is { } problem ? $"'{path}' {problem}" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"The Whisper model file '{path}' cannot be read: {ex.Message}";
        }
    }

    private static string? Walk(Stream file)
    {
        Span<byte> word = stackalloc byte[4];
        bool Read(Span<byte> into) => file.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) == into.Length;
        int? ReadInt(Span<byte> buffer) => Read(buffer) ? BinaryPrimitives.ReadInt32LittleEndian(buffer) : null;

        if (!Read(word))
        {
            return "is too short to be a ggml model.";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(word) != GgmlMagic)
        {
            return "is not a ggml Whisper model (no ggml magic at its start; GGUF and PyTorch checkpoints are not read by whisper.cpp).";
        }

        for (var i = 0; i < HyperParameters; i++)
        {
            var value = ReadInt(word);
            if (value is null)
            {
                return "ends inside its header: the file is truncated.";
            }

            var ftype = i == HyperParameters - 1;
            if (ftype ? value < 0 : value is < 1 or > MaxDimension)
            {
                return $"has an impossible header value ({value} at position {i}): the file is corrupt or not a Whisper model.";
            }
        }

        var mels = ReadInt(word);
        var fft = ReadInt(word);
        if (mels is null or < 1 or > 1024 || fft is null or < 1 or > MaxDimension)
        {
            return "has no valid mel filter bank: the file is truncated or corrupt.";
        }

        var filterBytes = (long)mels.Value * fft.Value * sizeof(float);
        if (file.Seek(filterBytes, SeekOrigin.Current) > file.Length)
        {
            return "ends inside its mel filter bank: the file is truncated.";
        }

        var words = ReadInt(word);
        if (words is null or < 0 or > MaxDimension)
        {
            return "has no valid vocabulary: the file is truncated or corrupt.";
        }

        var hasSpace = false;
        Span<byte> text = stackalloc byte[MaxWordBytes];
        for (var i = 0; i < words; i++)
        {
            var length = ReadInt(word);
            if (length is null or < 0 or > MaxWordBytes || !Read(text[..length.Value]))
            {
                return $"ends or breaks inside its vocabulary (word {i} of {words}): the file is truncated or corrupt.";
            }

            hasSpace |= length == 1 && text[0] == (byte)' ';
        }

        return hasSpace ? null : "has a vocabulary without the single-space token that whisper.cpp needs: it is not a Whisper vocabulary.";
    }
}
