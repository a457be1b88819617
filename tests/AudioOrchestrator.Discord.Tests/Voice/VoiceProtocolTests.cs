using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Tests.Voice;

[Collection(nameof(VoiceConnectionTests))]
public sealed class VoiceProtocolTests
{
    [Theory]
    [InlineData(null, VoiceCloseAction.Resume)]
    [InlineData(1001, VoiceCloseAction.Resume)]
    [InlineData(1006, VoiceCloseAction.Resume)]
    [InlineData(4015, VoiceCloseAction.Resume)]
    [InlineData(4006, VoiceCloseAction.Rejoin)]
    [InlineData(4009, VoiceCloseAction.Rejoin)]
    [InlineData(4011, VoiceCloseAction.Rejoin)]
    [InlineData(4014, VoiceCloseAction.StopUnlessMoved)]
    [InlineData(4017, VoiceCloseAction.Stop)]
    [InlineData(4021, VoiceCloseAction.Stop)]
    [InlineData(4022, VoiceCloseAction.Stop)]
    [InlineData(4004, VoiceCloseAction.Stop)]
    public void Close_code_policy(int? code, VoiceCloseAction expected) => Assert.Equal(expected, VoiceCloseCodes.Classify(code));

    [Fact]
    public void Ip_discovery_packets_are_74_bytes_big_endian()
    {
        var request = new byte[74];
        IpDiscovery.WriteRequest(request, 0x01020304);
        Assert.Equal(new byte[] { 0, 1, 0, 0x46, 1, 2, 3, 4 }, request[..8]);
        Assert.All(request[8..], b => Assert.Equal(0, b));

        var response = new byte[74];
        IpDiscovery.WriteResponse(response, 0x01020304, "203.0.113.7", 50004);
        Assert.True(IpDiscovery.TryParse(response, IpDiscovery.ResponseType, out var ssrc, out var address, out var port));
        Assert.Equal((0x01020304u, "203.0.113.7", (ushort)50004), (ssrc, address, port));
        Assert.Equal(0xC3, response[72]);
        Assert.Equal(0x54, response[73]);
        Assert.False(IpDiscovery.TryParse(response.AsSpan(0, 73), IpDiscovery.ResponseType, out _, out _, out _));
        Assert.False(IpDiscovery.TryParse(request, IpDiscovery.ResponseType, out _, out _, out _));
    }

    [Fact]
    public void Join_info_builds_the_v8_url_and_hides_the_token()
    {
        var join = new VoiceJoinInfo(1, 2, 3, "sess", "very-secret-token", "c-ams1.discord.media:443");
        Assert.Equal("wss://c-ams1.discord.media/?v=8", join.GatewayUri.ToString());
        Assert.DoesNotContain("very-secret-token", join.ToString(), StringComparison.Ordinal);
        Assert.Equal("ws://127.0.0.1:5000/voice?v=8", (join with { Endpoint = "ws://127.0.0.1:5000/voice" }).GatewayUri.ToString());
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new DiscordVoiceConnection(
            new VoiceJoinInfo(1, 2, 3, "s", "t", "e"), new VoiceConnectionOptions { HandshakeTimeout = TimeSpan.Zero }));
    }
}
