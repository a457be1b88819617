using System.Buffers.Binary;
using System.Security.Cryptography;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Tests.Voice;

[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceTransportCipherTests
{
    public static TheoryData<VoiceEncryptionMode> Modes => [VoiceEncryptionMode.AeadAes256GcmRtpSize, VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize];

    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Theory]
    [MemberData(nameof(Modes))]
    public void Seal_then_open_round_trips_and_counts_the_nonce(VoiceEncryptionMode mode)
    {
        using var sender = new VoiceTransportCipher(mode, Key, initialNonce: 7);
        using var receiver = new VoiceTransportCipher(mode, Key);
        var opus = RandomNumberGenerator.GetBytes(97);
        var packet = new byte[VoiceTransportCipher.MaxPacketSize];
        var output = new byte[VoiceTransportCipher.MaxPacketSize];
        for (var i = 0; i < 3; i++)
        {
            var n = sender.Seal(new RtpHeader((ushort)(65535 + i), 960u * (uint)i, 0xDEADBEEF), opus, packet);
            Assert.Equal(12 + 97 + 20, n);
            Assert.Equal(0x80, packet[0]);
            Assert.Equal(0x78, packet[1]);
            Assert.Equal(7u + (uint)i, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(n - 4)));
            Assert.Equal(RtpReceiveResult.Ok, receiver.Open(packet.AsSpan(0, n), output, out var opened));
            Assert.Equal(new RtpHeader((ushort)(65535 + i), 960u * (uint)i, 0xDEADBEEF), opened.Header);
            Assert.Equal(opus, output.AsSpan(opened.PayloadOffset, opened.PayloadLength).ToArray());
        }

        Assert.Equal(10u, sender.NextNonce);
    }

    [Fact]
    public void Aes_gcm_layout_matches_the_spec_independently()
    {
        using var sender = new VoiceTransportCipher(VoiceEncryptionMode.AeadAes256GcmRtpSize, Key, initialNonce: 0x01020304);
        var opus = RandomNumberGenerator.GetBytes(40);
        var packet = new byte[200];
        var n = sender.Seal(new RtpHeader(1, 2, 3), opus, packet);

        // AAD = header, nonce = 4 counter bytes then 8 zeros, tag after the ciphertext.
        byte[] nonce = [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(nonce[..4], packet[(n - 4)..n]);
        using var aes = new AesGcm(Key, 16);
        var plain = new byte[40];
        aes.Decrypt(nonce, packet.AsSpan(12, 40), packet.AsSpan(52, 16), plain, packet.AsSpan(0, 12));
        Assert.Equal(opus, plain);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Header_extension_csrcs_and_padding_are_stripped(VoiceEncryptionMode mode)
    {
        using var sender = new VoiceTransportCipher(mode, Key);
        using var receiver = new VoiceTransportCipher(mode, Key);

        // V=2, P=1, X=1, CC=2; 2 CSRCs; extension preamble BE DE 00 02 (8 bytes of elements in the plaintext).
        var header = new byte[12 + 8 + 4];
        header[0] = 0x80 | 0x20 | 0x10 | 0x02;
        header[1] = 0x78;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), 1234);
        header[20] = 0xBE;
        header[21] = 0xDE;
        header[23] = 2;
        var opus = RandomNumberGenerator.GetBytes(50);
        byte[] plaintext = [.. RandomNumberGenerator.GetBytes(8), .. opus, 0, 0, 3];
        var packet = new byte[200];
        var n = sender.Seal(header, plaintext, packet);
        var output = new byte[200];
        Assert.Equal(RtpReceiveResult.Ok, receiver.Open(packet.AsSpan(0, n), output, out var opened));
        Assert.Equal(1234u, opened.Header.Ssrc);
        Assert.Equal(opus, output.AsSpan(opened.PayloadOffset, opened.PayloadLength).ToArray());

        // A padding count beyond the payload, and an extension longer than the plaintext, are rejected.
        byte[] badPadding = [.. plaintext[..^1], 200];
        n = sender.Seal(header, badPadding, packet);
        Assert.Equal(RtpReceiveResult.BadPadding, receiver.Open(packet.AsSpan(0, n), output, out _));
        header[23] = 100;
        n = sender.Seal(header, plaintext, packet);
        Assert.Equal(RtpReceiveResult.BadExtension, receiver.Open(packet.AsSpan(0, n), output, out _));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Bad_packets_give_result_codes_never_exceptions(VoiceEncryptionMode mode)
    {
        using var sender = new VoiceTransportCipher(mode, Key);
        using var receiver = new VoiceTransportCipher(mode, Key);
        using var stranger = new VoiceTransportCipher(mode, [.. Key.Reverse()]);
        var packet = new byte[200];
        var n = sender.Seal(new RtpHeader(1, 2, 3), RandomNumberGenerator.GetBytes(60), packet);
        var output = new byte[VoiceTransportCipher.MaxPacketSize];

        for (var length = 0; length < n; length++)
        {
            Assert.NotEqual(RtpReceiveResult.Ok, receiver.Open(packet.AsSpan(0, length), output, out _));
        }

        Assert.Equal(RtpReceiveResult.Oversized, receiver.Open(new byte[VoiceTransportCipher.MaxPacketSize + 1], output, out _));
        Assert.Equal(RtpReceiveResult.DecryptionFailed, stranger.Open(packet.AsSpan(0, n), output, out _));
        Assert.Equal(RtpReceiveResult.OutputTooSmall, receiver.Open(packet.AsSpan(0, n), new byte[10], out _));

        var wrongVersion = packet[..n];
        wrongVersion[0] = 0x40;
        Assert.Equal(RtpReceiveResult.WrongVersion, receiver.Open(wrongVersion, output, out _));
        var rtcp = packet[..n];
        rtcp[1] = 0xC9;
        Assert.Equal(RtpReceiveResult.WrongPayloadType, receiver.Open(rtcp, output, out _));

        // Every single-bit flip is caught.
        for (var i = 0; i < n; i++)
        {
            var flipped = packet[..n];
            flipped[i] ^= 0x04;
            Assert.NotEqual(RtpReceiveResult.Ok, receiver.Open(flipped, output, out _));
        }

        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            if (garbage.Length > 1)
            {
                garbage[0] = (byte)((garbage[0] & 0x3F) | 0x80);
                garbage[1] = 0x78;
            }

            Assert.NotEqual(RtpReceiveResult.Ok, receiver.Open(garbage, output, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Steady_state_allocates_nothing(VoiceEncryptionMode mode)
    {
        using var sender = new VoiceTransportCipher(mode, Key);
        using var receiver = new VoiceTransportCipher(mode, Key);
        var opus = new byte[120];
        var packet = new byte[VoiceTransportCipher.MaxPacketSize];
        var output = new byte[VoiceTransportCipher.MaxPacketSize];
        int Run(int count)
        {
            var ok = 0;
            for (var i = 0; i < count; i++)
            {
                var n = sender.Seal(new RtpHeader((ushort)i, (uint)i * 960, 9), opus, packet);
                ok += receiver.Open(packet.AsSpan(0, n), output, out _) == RtpReceiveResult.Ok ? 1 : 0;
            }

            return ok;
        }

        Assert.Equal(50, Run(50));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ok = Run(1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000, ok);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Mode_choice_prefers_aes_gcm()
    {
        Assert.Equal(VoiceEncryptionMode.AeadAes256GcmRtpSize, VoiceEncryptionModes.Choose(["aead_xchacha20_poly1305_rtpsize", "aead_aes256_gcm_rtpsize", "xsalsa20_poly1305"]));
        Assert.Equal(VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize, VoiceEncryptionModes.Choose(["aead_xchacha20_poly1305_rtpsize"]));
        Assert.Null(VoiceEncryptionModes.Choose(["xsalsa20_poly1305_lite"]));
        Assert.Throws<ArgumentException>(() => new VoiceTransportCipher(VoiceEncryptionMode.AeadAes256GcmRtpSize, new byte[16]));
    }
}
