using System.Diagnostics;
using System.Security.Cryptography;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Mls.Crypto;

namespace AudioOrchestrator.Dave.Bench;

/// <summary>Encrypts and decrypts a 120-byte Opus frame (a 20 ms frame at ~48 kbit/s) in a loop.</summary>
internal static class FrameBench
{
    public static (double EncryptUs, double DecryptUs) Run(int frames)
    {
        var suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);
        var secret = RandomNumberGenerator.GetBytes(16);
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(new SenderKeyRatchet(suite, secret));
        using var decryptor = new DaveFrameDecryptor(TimeProvider.System);
        decryptor.AddRatchet(new SenderKeyRatchet(suite, secret));
        var frame = RandomNumberGenerator.GetBytes(120);
        var encrypted = new byte[frames][];
        var output = new byte[DaveFrameEncryptor.MaxOutputSize(frame.Length)];
        var plain = new byte[output.Length];

        // Warm-up (JIT, key derivation) on a separate key so the measured nonces stay fresh.
        using (var warm = new DaveFrameEncryptor())
        using (var warmDecryptor = new DaveFrameDecryptor(TimeProvider.System))
        {
            warm.SetRatchet(new SenderKeyRatchet(suite, new byte[16]));
            warmDecryptor.AddRatchet(new SenderKeyRatchet(suite, new byte[16]));
            for (var i = 0; i < 20_000; i++)
            {
                warm.Encrypt(frame, output, out var n);
                warmDecryptor.Decrypt(output.AsSpan(0, n), plain, out _);
            }
        }

        for (var i = 0; i < frames; i++)
        {
            encrypted[i] = new byte[output.Length];
        }

        var written = new int[frames];
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < frames; i++)
        {
            encryptor.Encrypt(frame, encrypted[i], out written[i]);
        }

        var encryptUs = watch.Elapsed.TotalMicroseconds / frames;
        watch.Restart();
        var ok = 0;
        for (var i = 0; i < frames; i++)
        {
            ok += decryptor.Decrypt(encrypted[i].AsSpan(0, written[i]), plain, out _) == FrameDecryptResult.Decrypted ? 1 : 0;
        }

        var decryptUs = watch.Elapsed.TotalMicroseconds / frames;
        if (ok != frames)
        {
            throw new InvalidOperationException($"{frames - ok} frames failed to decrypt.");
        }

        return (encryptUs, decryptUs);
    }
}
