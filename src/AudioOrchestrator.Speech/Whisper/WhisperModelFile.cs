using System.Buffers.Binary;

namespace AudioOrchestrator.Speech;

/// <summary>Checks that a path names a ggml Whisper model before whisper.cpp is given it.</summary>
public static class WhisperModelFile
{
    /// <summary>The ggml magic, <c>"ggml"</c> as a little-endian 32-bit number at the start of the file.</summary>
    public const uint GgmlMagic = 0x67676d6c;

    /// <summary>Null when <paramref name="path"/> is a readable ggml file; otherwise what is wrong, for an operator.</summary>
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

        Span<byte> header = stackalloc byte[4];
        try
        {
            using var file = File.OpenRead(path);
            if (file.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
            {
                return $"The Whisper model file '{path}' is too short to be a ggml model.";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"The Whisper model file '{path}' cannot be read: {ex.Message}";
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(header) == GgmlMagic
            ? null
            : $"'{path}' is not a ggml Whisper model (no ggml magic at its start; GGUF and PyTorch checkpoints are not read by whisper.cpp).";
    }
}
