using System.Buffers.Binary;
using System.Security.Cryptography;
using AudioOrchestrator.Dave.Frames;

namespace AudioOrchestrator.Dave.Tests;

public sealed class FrameTests
{
    internal static readonly byte[] BaseSecret = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");

    internal static SenderKeyRatchet Ratchet(byte[]? secret = null) => new(FakeVoiceGateway.Suite, secret ?? BaseSecret);

    internal static byte[] OpusFrame(int length = 120, int seed = 1)
    {
        var frame = new byte[length];
        new Random(seed).NextBytes(frame);
        frame[0] = 0x78;
        return frame;
    }

    internal static byte[] Encrypt(DaveFrameEncryptor encryptor, byte[] frame)
    {
        var output = new byte[DaveFrameEncryptor.MaxOutputSize(frame.Length)];
        Assert.Equal(FrameEncryptResult.Encrypted, encryptor.Encrypt(frame, output, out var written));
        return output[..written];
    }

    internal static (FrameDecryptResult Result, byte[] Output) Decrypt(DaveFrameDecryptor decryptor, byte[] frame)
    {
        var output = new byte[frame.Length + 16];
        var result = decryptor.Decrypt(frame, output, out var written);
        return (result, output[..written]);
    }

    [Fact]
    public void Opus_frame_round_trips_with_the_specified_footer()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet());
        for (var i = 0; i < 300; i++)
        {
            var frame = OpusFrame(20 + i, i);
            var encrypted = Encrypt(encryptor, frame);
            var nonceLength = i < 128 ? 1 : 2;
            Assert.Equal(frame.Length + 8 + nonceLength + 1 + 2, encrypted.Length);
            Assert.Equal([0xFA, 0xFA], encrypted[^2..]);
            Assert.Equal(8 + nonceLength + 1 + 2, encrypted[^3]);
            Assert.NotEqual(frame, encrypted[..frame.Length]);
            var (result, output) = Decrypt(decryptor, encrypted);
            Assert.Equal(FrameDecryptResult.Decrypted, result);
            Assert.Equal(frame, output);
        }
    }

    [Fact]
    public void Ciphertext_is_aes_gcm_with_zero_padded_little_endian_nonce_and_truncated_tag()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        encryptor.SetCounter(0x0000_0000_0102_0304);
        var frame = OpusFrame();
        var encrypted = Encrypt(encryptor, frame);
        using var ratchet = Ratchet();
        var key = ratchet.KeyOf(1)!;
        var iv = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(iv.AsSpan(8), 0x0102_0304);
        using var aes = new AesGcm(key, 16);
        var expected = new byte[frame.Length];
        var tag = new byte[16];
        aes.Encrypt(iv, frame, expected, tag);
        Assert.Equal(expected, encrypted[..frame.Length]);
        Assert.Equal(tag[..8], encrypted[frame.Length..(frame.Length + 8)]);
        Assert.True(Uleb128.TryRead(encrypted.AsSpan(frame.Length + 8), uint.MaxValue, out var nonce, out _));
        Assert.Equal(0x0102_0304UL, nonce);
    }

    [Fact]
    public void Key_ratchet_follows_the_mls_hash_ratchet()
    {
        // Our HMAC-based ExpandWithLabel equals the MLS library's wherever .NET's HKDF accepts the key.
        var suite = FakeVoiceGateway.Suite;
        var secret32 = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Assert.Equal(suite.DeriveTreeSecret(secret32, "key", 7, 16), RatchetKdf.DeriveTreeSecret(secret32, "key", 7, 16));
        Assert.Equal(suite.DeriveTreeSecret(secret32, "secret", 7, 32), RatchetKdf.DeriveTreeSecret(secret32, "secret", 7, 32));

        // Generation 0 keys come from the 16-byte base secret; later ones from 32-byte secrets.
        using var ratchet = Ratchet();
        Assert.Equal(RatchetKdf.DeriveTreeSecret(BaseSecret, "key", 0, 16), ratchet.KeyOf(0));
        var secret1 = RatchetKdf.DeriveTreeSecret(BaseSecret, "secret", 0, 32);
        Assert.Equal(suite.DeriveTreeSecret(secret1, "key", 1, 16), ratchet.KeyOf(1));
        var secret2 = suite.DeriveTreeSecret(secret1, "secret", 1, 32);
        Assert.Equal(suite.DeriveTreeSecret(secret2, "key", 2, 16), ratchet.KeyOf(2));
    }

    [Fact]
    public void Tampered_tag_ciphertext_nonce_or_footer_is_rejected()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        var frame = OpusFrame();
        var encrypted = Encrypt(encryptor, frame);
        for (var i = 0; i < encrypted.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                using var decryptor = new DaveFrameDecryptor(new FakeClock());
                decryptor.AddRatchet(Ratchet());
                var tampered = encrypted.ToArray();
                tampered[i] ^= (byte)(1 << bit);
                var (result, output) = Decrypt(decryptor, tampered);
                Assert.NotEqual(FrameDecryptResult.Decrypted, result);
                Assert.NotEqual(FrameDecryptResult.Passthrough, result);
                Assert.Empty(output);
            }
        }
    }

    [Fact]
    public void Wrong_key_fails_authentication()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet(new byte[16]));
        Assert.Equal(FrameDecryptResult.AuthenticationFailed, Decrypt(decryptor, Encrypt(encryptor, OpusFrame())).Result);
    }

    [Fact]
    public void Replays_are_rejected_and_out_of_order_frames_accepted_within_the_window()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet());
        var frames = Enumerable.Range(0, 2000).Select(i => Encrypt(encryptor, OpusFrame(100, i))).ToArray();
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, frames[5]).Result);
        Assert.Equal(FrameDecryptResult.Replayed, Decrypt(decryptor, frames[5]).Result);
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, frames[3]).Result);
        Assert.Equal(FrameDecryptResult.Replayed, Decrypt(decryptor, frames[3]).Result);
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, frames[1999]).Result);
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, frames[1999 - 1023]).Result);
        Assert.Equal(FrameDecryptResult.TooOld, Decrypt(decryptor, frames[1999 - 1024]).Result);
        Assert.Equal(FrameDecryptResult.TooOld, Decrypt(decryptor, frames[4]).Result);
    }

    [Fact]
    public void Generation_comes_from_the_nonce_top_byte_and_survives_wraparound()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet());
        // Walk the sender through every generation up to and past the 32-bit nonce wrap.
        for (ulong generation = 0; generation <= 258; generation++)
        {
            encryptor.SetCounter((generation << 24) + 7);
            var frame = OpusFrame(60, (int)generation);
            var encrypted = Encrypt(encryptor, frame);
            var (result, output) = Decrypt(decryptor, encrypted);
            Assert.True(result == FrameDecryptResult.Decrypted, $"generation {generation}: {result}");
            Assert.Equal(frame, output);
        }

        // After the wrap nonce 0x00000007 means generation 256, not 0: a frame of generation 0 fails.
        using var old = new DaveFrameEncryptor();
        old.SetRatchet(Ratchet());
        old.SetCounter(8);
        Assert.NotEqual(FrameDecryptResult.Decrypted, Decrypt(decryptor, Encrypt(old, OpusFrame())).Result);
    }

    [Fact]
    public void Generation_gap_is_limited()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet());
        encryptor.SetCounter(251UL << 24);
        Assert.Equal(FrameDecryptResult.KeyUnavailable, Decrypt(decryptor, Encrypt(encryptor, OpusFrame())).Result);
        encryptor.SetCounter(250UL << 24);
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, Encrypt(encryptor, OpusFrame())).Result);
    }

    [Fact]
    public void Old_generations_and_epochs_expire_after_the_retention_window()
    {
        var clock = new FakeClock();
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(clock);
        decryptor.AddRatchet(Ratchet());
        encryptor.SetCounter((1UL << 24) - 3);
        var gen0 = Encrypt(encryptor, OpusFrame(50, 1));
        var gen0b = Encrypt(encryptor, OpusFrame(50, 2));
        var gen0c = Encrypt(encryptor, OpusFrame(50, 3));
        encryptor.SetCounter(1UL << 24);
        var gen1 = Encrypt(encryptor, OpusFrame(50, 4));
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, gen0).Result);
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, gen1).Result);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, gen0b).Result);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, Encrypt(encryptor, OpusFrame(50, 5))).Result);
        Assert.Equal(FrameDecryptResult.KeyUnavailable, Decrypt(decryptor, gen0c).Result);

        // A new epoch: the previous epoch's keys last 10 s more.
        using var next = new DaveFrameEncryptor();
        next.SetRatchet(Ratchet(new byte[16]));
        decryptor.AddRatchet(Ratchet(new byte[16]));
        var oldEpoch = Encrypt(encryptor, OpusFrame(50, 6));
        var oldEpochLater = Encrypt(encryptor, OpusFrame(50, 7));
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, Encrypt(next, OpusFrame(50, 8))).Result);
        Assert.Equal(FrameDecryptResult.Decrypted, Decrypt(decryptor, oldEpoch).Result);
        Assert.Equal(2, decryptor.EpochCount);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(FrameDecryptResult.AuthenticationFailed, Decrypt(decryptor, oldEpochLater).Result);
        Assert.Equal(1, decryptor.EpochCount);
    }

    [Fact]
    public void Silence_passes_through_and_unmarked_frames_only_in_passthrough_mode()
    {
        var clock = new FakeClock();
        using var decryptor = new DaveFrameDecryptor(clock);
        decryptor.AddRatchet(Ratchet());
        byte[] silence = [0xF8, 0xFF, 0xFE];
        var (silenceResult, silenceOut) = Decrypt(decryptor, silence);
        Assert.Equal(FrameDecryptResult.Passthrough, silenceResult);
        Assert.Equal(silence, silenceOut);
        var plain = OpusFrame();
        Assert.Equal(FrameDecryptResult.NotProtocolFrame, Decrypt(decryptor, plain).Result);
        decryptor.SetPassthrough(true);
        Assert.Equal(plain, Decrypt(decryptor, plain).Output);
        decryptor.SetPassthrough(false);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(FrameDecryptResult.Passthrough, Decrypt(decryptor, plain).Result);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(FrameDecryptResult.NotProtocolFrame, Decrypt(decryptor, plain).Result);

        using var encryptor = new DaveFrameEncryptor();
        var output = new byte[16];
        Assert.Equal(FrameEncryptResult.Passthrough, encryptor.Encrypt(silence, output, out var written));
        Assert.Equal(silence, output[..written]);
        Assert.Equal(FrameEncryptResult.NoKey, encryptor.Encrypt(plain, new byte[200], out _));
        encryptor.Passthrough = true;
        Assert.Equal(FrameEncryptResult.Passthrough, encryptor.Encrypt(plain, new byte[200], out written));
        Assert.Equal(plain.Length, written);
    }

    [Fact]
    public void Unencrypted_ranges_are_authenticated_and_restored()
    {
        // Build a frame as a codec-aware encryptor would for VP8 (first byte in clear).
        using var ratchet = Ratchet();
        var frame = OpusFrame(40);
        using var aes = new AesGcm(ratchet.KeyOf(0)!, 16);
        var ciphertext = new byte[frame.Length - 1];
        var tag = new byte[8];
        FrameCrypto.Seal(aes, 5, frame.AsSpan(1), frame.AsSpan(0, 1), ciphertext, tag);
        byte[] footer = [.. tag, 5, 0, 1, 8 + 1 + 2 + 1 + 2, 0xFA, 0xFA];
        byte[] protocolFrame = [frame[0], .. ciphertext, .. footer];
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet());
        var modified = protocolFrame.ToArray();
        modified[0] ^= 1;
        Assert.Equal(FrameDecryptResult.AuthenticationFailed, Decrypt(decryptor, modified).Result);
        var (result, output) = Decrypt(decryptor, protocolFrame);
        Assert.Equal(FrameDecryptResult.Decrypted, result);
        Assert.Equal(frame, output);
    }

    [Fact]
    public void Steady_state_encrypt_and_decrypt_allocate_nothing()
    {
        using var encryptor = new DaveFrameEncryptor();
        encryptor.SetRatchet(Ratchet());
        using var decryptor = new DaveFrameDecryptor(new FakeClock());
        decryptor.AddRatchet(Ratchet());
        var frame = OpusFrame();
        var encrypted = new byte[DaveFrameEncryptor.MaxOutputSize(frame.Length)];
        var decrypted = new byte[encrypted.Length];
        for (var i = 0; i < 100; i++)
        {
            encryptor.Encrypt(frame, encrypted, out var w);
            decryptor.Decrypt(encrypted.AsSpan(0, w), decrypted, out _);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var n = 0;
        for (var i = 0; i < 1000; i++)
        {
            encryptor.Encrypt(frame, encrypted, out n);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var results = 0;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            encryptor.Encrypt(frame, encrypted, out n);
            results += (int)decryptor.Decrypt(encrypted.AsSpan(0, n), decrypted, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, results);
    }
}
