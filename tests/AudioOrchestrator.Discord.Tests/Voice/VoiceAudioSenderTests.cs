using System.Threading.Channels;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>
/// The paced sender alone, on a stepped fake clock (advanced only while the sender waits on it) and a loopback UDP
/// peer that opens what it receives with the same key.
/// </summary>
[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceAudioSenderTests : IAsyncLifetime
{
    private const VoiceEncryptionMode Mode = VoiceEncryptionMode.AeadAes256GcmRtpSize;
    private const uint Ssrc = 99;
    private static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(20);
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly string Silence = Convert.ToHexString(OpusSilence.Frame);

    private readonly SteppedTimeProvider _time = new();
    private readonly VoiceConnectionStatistics _statistics = new();
    private readonly UdpVoicePeer _server = new();
    private readonly List<bool> _speaking = [];
    private readonly VoiceUdpTransport _transport;

    public VoiceAudioSenderTests() => _transport = new VoiceUdpTransport(TimeSpan.FromSeconds(5), _statistics, _time);

    public async ValueTask InitializeAsync()
    {
        _transport.Ssrc = Ssrc;
        var connecting = _transport.ConnectAsync(_server.Endpoint, TestContext.Current.CancellationToken);
        Assert.Equal(Ssrc, await _server.AnswerDiscoveryAsync());
        await connecting;
    }

    public ValueTask DisposeAsync()
    {
        _transport.Dispose();
        _server.Dispose();
        return ValueTask.CompletedTask;
    }

    private VoiceAudioSender NewSender(VoiceDaveChannel? dave = null) =>
        new(_transport, dave, new VoiceConnectionOptions(), _statistics, _time, NullLogger.Instance, "sender test", (speaking, _) =>
        {
            _speaking.Add(speaking);
            return Task.CompletedTask;
        });

    private static ChannelReader<ReadOnlyMemory<byte>> Frames(params byte[][] frames)
    {
        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        foreach (var frame in frames)
        {
            channel.Writer.TryWrite(frame);
        }

        channel.Writer.Complete();
        return channel.Reader;
    }

    private async Task<List<(RtpHeader Header, string Opus)>> ReceiveAsync(int count)
    {
        using var cipher = new VoiceTransportCipher(Mode, Key);
        var output = new byte[VoiceTransportCipher.MaxPacketSize];
        var packets = new List<(RtpHeader, string)>();
        while (packets.Count < count)
        {
            Assert.Equal(RtpReceiveResult.Ok, cipher.Open(await _server.ReceiveAsync(), output, out var opened));
            packets.Add((opened.Header, Convert.ToHexString(output.AsSpan(opened.PayloadOffset, opened.PayloadLength))));
        }

        return packets;
    }

    [Fact]
    public async Task Frames_leave_one_per_20_ms_with_consecutive_rtp_fields_then_five_silence_frames_and_speaking_off()
    {
        _transport.SetKey(Mode, Key);
        using var sender = NewSender();
        byte[][] frames = [[0xFC, 1], [0xFC, 2], [0xFC, 3]];

        var waits = await _time.RunAsync(sender.PlayAsync(Frames(frames), null, TestContext.Current.CancellationToken));

        var packets = await ReceiveAsync(8);
        Assert.Equal([.. frames.Select(Convert.ToHexString), .. Enumerable.Repeat(Silence, 5)], packets.Select(p => p.Opus));
        Assert.All(packets, p => Assert.Equal(Ssrc, p.Header.Ssrc));
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].Header.Sequence + 1), packets[i].Header.Sequence);
            Assert.Equal(packets[i - 1].Header.Timestamp + 960, packets[i].Header.Timestamp);
        }

        // Eight packets at 0, 20, …, 140 ms, then one more deadline (160 ms) that finds the stream paused.
        Assert.Equal(Enumerable.Repeat(FrameDuration, 8), waits);
        Assert.Equal([true, false], _speaking);
        Assert.Equal(8, _statistics.PacketsSent);
    }

    [Fact]
    public async Task After_a_pause_the_timestamp_skips_the_silent_gap_and_the_sequence_goes_on()
    {
        _transport.SetKey(Mode, Key);
        using var sender = NewSender();

        await _time.RunAsync(sender.PlayAsync(Frames([0xFC, 1]), null, TestContext.Current.CancellationToken));
        _time.Advance(TimeSpan.FromSeconds(1));
        await _time.RunAsync(sender.PlayAsync(Frames([0xFC, 2]), null, TestContext.Current.CancellationToken));

        var packets = await ReceiveAsync(12);
        Assert.Equal("FC02", packets[6].Opus);
        Assert.Equal((ushort)(packets[5].Header.Sequence + 1), packets[6].Header.Sequence);

        // The last packet left at 100 ms and the next at 1120 ms: 1020 ms later, 50 frames more than the usual 20 ms.
        Assert.Equal(packets[5].Header.Timestamp + (51 * 960), packets[6].Header.Timestamp);
        Assert.Equal([true, false, true, false], _speaking);
    }

    [Fact]
    public async Task A_frame_late_mid_sentence_is_waited_for_and_continues_the_same_stretch_of_audio()
    {
        _transport.SetKey(Mode, Key);
        using var sender = NewSender();
        var channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
        channel.Writer.TryWrite(new byte[] { 0xFC, 1 });
        var asked = 0;
        bool MoreFramesExpected()
        {
            // Asked when the second frame is missing at its deadline: it arrives now, late, and is the last.
            if (asked++ == 0)
            {
                channel.Writer.TryWrite(new byte[] { 0xFC, 2 });
                channel.Writer.Complete();
                return true;
            }

            return false;
        }

        await _time.RunAsync(sender.PlayAsync(channel.Reader, MoreFramesExpected, TestContext.Current.CancellationToken));

        var packets = await ReceiveAsync(7);
        Assert.Equal(["FC01", "FC02", .. Enumerable.Repeat(Silence, 5)], packets.Select(p => p.Opus));
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal(packets[i - 1].Header.Timestamp + 960, packets[i].Header.Timestamp);
        }

        Assert.Equal(1, _statistics.LateFrameWaits);
    }

    [Fact]
    public async Task Before_the_session_description_frames_are_dropped_and_counted()
    {
        using var sender = NewSender();

        await _time.RunAsync(sender.PlayAsync(Frames([0xFC, 1], [0xFC, 2]), null, TestContext.Current.CancellationToken));

        Assert.Equal(7, _statistics.SendDropped);
        Assert.Equal(0, _statistics.PacketsSent);
        Assert.Equal([true, false], _speaking);
    }

    [Fact]
    public async Task Without_a_dave_sender_key_frames_are_dropped_but_silence_still_goes_out()
    {
        _transport.SetKey(Mode, Key);
        using var dave = new VoiceDaveChannel(new DaveSession(900_000_000_000_000_001, 700_000_000_000_000_001), (_, _, _) => Task.CompletedTask, NullLogger.Instance, 1);
        await dave.OnSelectProtocolAckAsync(1, TestContext.Current.CancellationToken);
        using var sender = NewSender(dave);

        await _time.RunAsync(sender.PlayAsync(Frames([0xFC, 1], [0xFC, 2]), null, TestContext.Current.CancellationToken));

        var packets = await ReceiveAsync(5);
        Assert.All(packets, p => Assert.Equal(Silence, p.Opus));
        Assert.Equal((ushort)(packets[0].Header.Sequence + 4), packets[4].Header.Sequence);
        Assert.Equal(2, _statistics.SendDropped);
        Assert.Equal(5, _statistics.PacketsSent);
    }
}
