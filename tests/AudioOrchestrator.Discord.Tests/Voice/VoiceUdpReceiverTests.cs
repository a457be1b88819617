using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>The receive path alone: packets sealed here with the transport's key, fed to the receiver directly.</summary>
[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceUdpReceiverTests : IDisposable
{
    private const ulong AliceId = 500_000_000_000_000_001;
    private const uint AliceSsrc = 4242;
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] Opus = [0xFC, 0x01, 0x02, 0x03, 0x04, 0x05];

    private readonly VoiceConnectionStatistics _statistics = new();
    private readonly VoiceUdpTransport _transport;
    private readonly byte[] _plain = new byte[VoiceTransportCipher.MaxPacketSize];
    private readonly byte[] _frame = new byte[VoiceTransportCipher.MaxPacketSize];

    public VoiceUdpReceiverTests() => _transport = new VoiceUdpTransport(TimeSpan.FromSeconds(5), _statistics, TimeProvider.System);

    public static TheoryData<VoiceEncryptionMode> Modes => [VoiceEncryptionMode.AeadAes256GcmRtpSize, VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize];

    public void Dispose() => _transport.Dispose();

    private VoiceUdpReceiver NewReceiver(VoiceDaveChannel? dave = null, int queueCapacity = 16) =>
        new(_transport, dave, _statistics, queueCapacity, NullLogger.Instance);

    private static byte[] Seal(VoiceEncryptionMode mode, ushort sequence, uint timestamp, uint ssrc, ReadOnlySpan<byte> payload, byte[]? key = null)
    {
        using var cipher = new VoiceTransportCipher(mode, key ?? Key);
        var packet = new byte[VoiceTransportCipher.MaxPacketSize];
        return packet[..cipher.Seal(new RtpHeader(sequence, timestamp, ssrc), payload, packet)];
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_packet_of_a_mapped_ssrc_is_decrypted_and_delivered_with_its_user_and_rtp_fields(VoiceEncryptionMode mode)
    {
        _transport.SetKey(mode, Key);
        var receiver = NewReceiver();
        receiver.Map(AliceSsrc, AliceId);

        receiver.ProcessPacket(Seal(mode, 7, 960 * 7, AliceSsrc, Opus), _plain, _frame);

        Assert.True(receiver.Frames.TryRead(out var frame));
        Assert.Equal(AliceId, frame.UserId);
        Assert.Equal(AliceSsrc, frame.Ssrc);
        Assert.Equal((ushort)7, frame.Sequence);
        Assert.Equal(960u * 7, frame.Timestamp);
        Assert.Equal(Opus, frame.Opus.ToArray());
        Assert.Equal(1, _statistics.Received(RtpReceiveResult.Ok));
        Assert.Equal(1, _statistics.FramesDelivered);
    }

    [Fact]
    public void Packets_before_the_first_key_are_ignored()
    {
        var receiver = NewReceiver();
        receiver.Map(AliceSsrc, AliceId);

        receiver.ProcessPacket(Seal(VoiceEncryptionMode.AeadAes256GcmRtpSize, 1, 960, AliceSsrc, Opus), _plain, _frame);

        Assert.False(receiver.Frames.TryRead(out _));
        Assert.Equal(0, _statistics.Received(RtpReceiveResult.Ok) + _statistics.ReceiveRejected);
    }

    [Fact]
    public void Malformed_short_and_foreign_packets_are_counted_by_kind_and_never_thrown()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
        _transport.SetKey(mode, Key);
        var receiver = NewReceiver();
        receiver.Map(AliceSsrc, AliceId);
        var wrongKey = Seal(mode, 1, 960, AliceSsrc, Opus, key: [.. Enumerable.Repeat((byte)9, 32)]);
        var tampered = Seal(mode, 1, 960, AliceSsrc, Opus);
        tampered[14] ^= 0xFF;
        byte[] rtcp = [0x80, 0xC8, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x92, .. new byte[24]];

        receiver.ProcessPacket([], _plain, _frame);
        receiver.ProcessPacket([0x80, 0x78, 0, 1], _plain, _frame);
        receiver.ProcessPacket([0x80, 0x78, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x92, 1, 2, 3], _plain, _frame);
        receiver.ProcessPacket([0x40, 0x78, 0, 1, 0, 0, 0, 1, 0, 0, 0x10, 0x92, .. new byte[24]], _plain, _frame);
        receiver.ProcessPacket(rtcp, _plain, _frame);
        receiver.ProcessPacket(new byte[VoiceTransportCipher.MaxPacketSize + 1], _plain, _frame);
        receiver.ProcessPacket(wrongKey, _plain, _frame);
        receiver.ProcessPacket(tampered, _plain, _frame);

        Assert.Equal(3, _statistics.Received(RtpReceiveResult.Truncated));
        Assert.Equal(1, _statistics.Received(RtpReceiveResult.WrongVersion));
        Assert.Equal(1, _statistics.Received(RtpReceiveResult.WrongPayloadType));
        Assert.Equal(1, _statistics.Received(RtpReceiveResult.Oversized));
        Assert.Equal(2, _statistics.Received(RtpReceiveResult.DecryptionFailed));
        Assert.False(receiver.Frames.TryRead(out _));
        Assert.Equal(0, _statistics.FramesDelivered);

        // The receiver goes on with good packets.
        receiver.ProcessPacket(Seal(mode, 2, 1920, AliceSsrc, Opus), _plain, _frame);
        Assert.True(receiver.Frames.TryRead(out _));
    }

    [Fact]
    public void Packets_of_an_unmapped_ssrc_are_counted_and_dropped_and_an_unmapped_user_is_forgotten()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
        _transport.SetKey(mode, Key);
        var receiver = NewReceiver();

        receiver.ProcessPacket(Seal(mode, 1, 960, AliceSsrc, Opus), _plain, _frame);
        Assert.Equal(1, _statistics.UnknownSsrc);

        receiver.Map(AliceSsrc, AliceId);
        receiver.Map(AliceSsrc + 1, AliceId + 1);
        receiver.Unmap(AliceId);
        Assert.Equal([AliceSsrc + 1], receiver.SsrcToUser.Keys);
        receiver.ProcessPacket(Seal(mode, 2, 1920, AliceSsrc, Opus), _plain, _frame);

        Assert.Equal(2, _statistics.UnknownSsrc);
        Assert.Equal(2, _statistics.Received(RtpReceiveResult.Ok));
        Assert.False(receiver.Frames.TryRead(out _));
    }

    [Fact]
    public void A_sink_gets_the_frames_instead_of_the_channel()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
        _transport.SetKey(mode, Key);
        var sink = new RecordingSink();
        var receiver = NewReceiver();
        receiver.FrameSink = sink;
        receiver.Map(AliceSsrc, AliceId);

        receiver.ProcessPacket(Seal(mode, 3, 2880, AliceSsrc, Opus), _plain, _frame);

        var (userId, header, opus) = Assert.Single(sink.Frames);
        Assert.Equal(AliceId, userId);
        Assert.Equal(new RtpHeader(3, 2880, AliceSsrc), header);
        Assert.Equal(Opus, opus);
        Assert.False(receiver.Frames.TryRead(out _));
        Assert.Equal(1, _statistics.FramesDelivered);
    }

    [Fact]
    public void A_full_queue_drops_the_oldest_frame_and_counts_it()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
        _transport.SetKey(mode, Key);
        var receiver = NewReceiver(queueCapacity: 2);
        receiver.Map(AliceSsrc, AliceId);

        for (ushort sequence = 1; sequence <= 3; sequence++)
        {
            receiver.ProcessPacket(Seal(mode, sequence, 960u * sequence, AliceSsrc, Opus), _plain, _frame);
        }

        Assert.Equal(1, _statistics.FramesDropped);
        Assert.True(receiver.Frames.TryRead(out var first));
        Assert.True(receiver.Frames.TryRead(out var second));
        Assert.Equal((ushort)2, first.Sequence);
        Assert.Equal((ushort)3, second.Sequence);
    }

    [Fact]
    public async Task With_dave_on_unencrypted_frames_are_rejected_and_counted_but_silence_passes()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
        _transport.SetKey(mode, Key);
        using var dave = await NewDaveAsync(protocolVersion: 1);
        var receiver = NewReceiver(dave);
        receiver.Map(AliceSsrc, AliceId);

        receiver.ProcessPacket(Seal(mode, 1, 960, AliceSsrc, Opus), _plain, _frame);
        receiver.ProcessPacket(Seal(mode, 2, 1920, AliceSsrc, OpusSilence.Frame), _plain, _frame);

        Assert.Equal(1, _statistics.DaveDecryptFailures);
        Assert.True(receiver.Frames.TryRead(out var silence));
        Assert.Equal(OpusSilence.Frame.ToArray(), silence.Opus.ToArray());
        Assert.False(receiver.Frames.TryRead(out _));
    }

    [Fact]
    public async Task With_dave_in_passthrough_frames_are_delivered_unchanged()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize;
        _transport.SetKey(mode, Key);
        using var dave = await NewDaveAsync(protocolVersion: 0);
        var receiver = NewReceiver(dave);
        receiver.Map(AliceSsrc, AliceId);

        receiver.ProcessPacket(Seal(mode, 1, 960, AliceSsrc, Opus), _plain, _frame);

        Assert.True(receiver.Frames.TryRead(out var frame));
        Assert.Equal(Opus, frame.Opus.ToArray());
        Assert.Equal(0, _statistics.DaveDecryptFailures);
    }

    [Fact]
    public async Task The_receive_loop_delivers_datagrams_from_the_transport_socket_and_survives_garbage()
    {
        const VoiceEncryptionMode mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
        using var server = new UdpVoicePeer();
        _transport.Ssrc = 77;
        var connecting = _transport.ConnectAsync(server.Endpoint, TestContext.Current.CancellationToken);
        Assert.Equal(77u, await server.AnswerDiscoveryAsync());
        await connecting;
        _transport.SetKey(mode, Key);
        var receiver = NewReceiver();
        receiver.Map(AliceSsrc, AliceId);
        using var stop = new CancellationTokenSource();
        receiver.StartReceiving(stop.Token);

        await server.SendAsync([1, 2, 3]);
        await server.SendAsync(Seal(mode, 9, 8640, AliceSsrc, Opus));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var frame = await receiver.Frames.ReadAsync(timeout.Token);
        Assert.Equal((ushort)9, frame.Sequence);
        Assert.Equal(1, _statistics.Received(RtpReceiveResult.Truncated));

        await stop.CancelAsync();
        await receiver.Receiving.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    private static async Task<VoiceDaveChannel> NewDaveAsync(int protocolVersion)
    {
        var dave = new VoiceDaveChannel(new DaveSession(900_000_000_000_000_001, 700_000_000_000_000_001), (_, _, _) => Task.CompletedTask, NullLogger.Instance, 1);
        await dave.OnSelectProtocolAckAsync(protocolVersion, CancellationToken.None);
        return dave;
    }

    private sealed class RecordingSink : IVoiceFrameSink
    {
        public List<(ulong UserId, RtpHeader Header, byte[] Opus)> Frames { get; } = [];

        public void OnFrame(ulong userId, RtpHeader header, ReadOnlySpan<byte> opus) => Frames.Add((userId, header, opus.ToArray()));
    }
}
