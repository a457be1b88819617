using System.Buffers.Binary;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Crypto;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>The UDP transport alone against a loopback peer that answers IP discovery.</summary>
[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceUdpTransportTests : IDisposable
{
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(5);

    private readonly SteppedTimeProvider _time = new();
    private readonly VoiceConnectionStatistics _statistics = new();
    private readonly UdpVoicePeer _server = new();
    private readonly VoiceUdpTransport _transport;

    public VoiceUdpTransportTests() => _transport = new VoiceUdpTransport(KeepAliveInterval, _statistics, _time);

    public void Dispose()
    {
        _transport.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task Ip_discovery_asks_for_our_ssrc_and_finds_the_address_and_port_the_server_sees()
    {
        _transport.Ssrc = 1234;

        var connecting = _transport.ConnectAsync(_server.Endpoint, TestContext.Current.CancellationToken);
        Assert.Equal(1234u, await _server.AnswerDiscoveryAsync());
        var external = await connecting;

        Assert.Equal(_transport.Socket!.LocalEndPoint, external);
        Assert.Equal(external, _transport.ExternalEndpoint);
    }

    [Fact]
    public async Task Keep_alives_carry_a_counter_and_repeat_every_interval()
    {
        var connecting = _transport.ConnectAsync(_server.Endpoint, TestContext.Current.CancellationToken);
        await _server.AnswerDiscoveryAsync();
        await connecting;
        using var stop = new CancellationTokenSource();

        _transport.StartKeepAlive(stop.Token);
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64LittleEndian(await _server.ReceiveAsync()));
        Assert.Equal(KeepAliveInterval, await _time.AdvancePastNextTimerAsync());
        Assert.Equal(1ul, BinaryPrimitives.ReadUInt64LittleEndian(await _server.ReceiveAsync()));
        await _time.NextTimerAsync(); // the wait after the second one: it has been counted

        Assert.Equal(2, _statistics.KeepAlives);
        await stop.CancelAsync();
        await _transport.KeepAlive.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Only_the_first_key_is_new_and_a_later_one_replaces_it()
    {
        byte[] first = [.. Enumerable.Repeat((byte)1, VoiceTransportCipher.KeyLength)];
        byte[] second = [.. Enumerable.Repeat((byte)2, VoiceTransportCipher.KeyLength)];

        Assert.True(_transport.SetKey(VoiceEncryptionMode.AeadAes256GcmRtpSize, first));
        var before = _transport.Cipher;
        Assert.False(_transport.SetKey(VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize, second));

        Assert.NotSame(before, _transport.Cipher);
        Assert.Equal(VoiceEncryptionMode.AeadXChaCha20Poly1305RtpSize, _transport.Cipher!.Mode);
        before!.Dispose();
    }
}
