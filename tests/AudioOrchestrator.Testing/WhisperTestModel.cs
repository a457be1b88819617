namespace AudioOrchestrator.Testing;

/// <summary>
/// Writes a ggml Whisper model with a valid header, zero mel filters, a byte vocabulary and no tensors: whisper.cpp
/// loads it as an "empty model for testing" (its own tests use such files), so the real native runtime, the processor
/// pool, input conversion, cancellation and errors can be tested without downloading weights. Its transcripts are
/// meaningless. The layout (magic, eleven 32-bit hyper-parameters, mel filters, vocabulary, tensors) is whisper.cpp's
/// model file format; dimensions are tiny-model shaped but narrow, so it costs little memory.
/// </summary>
public static class WhisperTestModel
{
    public static string Write(string directory)
    {
        var path = Path.Combine(directory, "for-tests-ggml-narrow.bin");
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        writer.Write(0x67676d6cu); // "ggml"
        int[] hparams =
        [
            51864, // n_vocab (English-only vocabulary size; the special tokens sit at its end)
            1500,  // n_audio_ctx (30 s of mel frames after the stride-2 convolution)
            64,    // n_audio_state
            4,     // n_audio_head
            4,     // n_audio_layer
            448,   // n_text_ctx
            64,    // n_text_state
            4,     // n_text_head
            4,     // n_text_layer
            80,    // n_mels
            1,     // ftype: f16
        ];
        foreach (var value in hparams)
        {
            writer.Write(value);
        }

        const int Mels = 80, FftBins = 201;
        writer.Write(Mels);
        writer.Write(FftBins);
        writer.Write(new byte[Mels * FftBins * sizeof(float)]);

        // One word per byte value (so " " exists, which whisper.cpp suppresses at the start of a transcript); whisper.cpp
        // fills the rest of the vocabulary, up to the special tokens, with placeholders.
        writer.Write(256);
        for (var b = 0; b < 256; b++)
        {
            writer.Write(1u);
            writer.Write((byte)b);
        }

        return path;
    }
}
