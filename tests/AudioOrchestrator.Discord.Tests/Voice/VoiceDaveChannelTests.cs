using System.Net.WebSockets;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Tests.Support;
using AudioOrchestrator.Discord.Voice;

namespace AudioOrchestrator.Discord.Tests.Voice;

/// <summary>The DAVE side alone: a real <see cref="DaveSession"/> whose replies are captured instead of sent.</summary>
public sealed class VoiceDaveChannelTests : IDisposable
{
    private const ulong BotId = 900_000_000_000_000_001;
    private const ulong ChannelId = 700_000_000_000_000_001;
    private const ulong GuildId = 81_000_000_000_000_001;

    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<(byte[] Message, WebSocketMessageType Type)> _sent = [];
    private readonly VoiceDaveChannel _dave;

    public VoiceDaveChannelTests() => _dave = new VoiceDaveChannel(new DaveSession(BotId, ChannelId), SendAsync, _logs.For<DiscordVoiceConnection>(), GuildId);

    public void Dispose() => _dave.Dispose();

    private Task SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        _sent.Add((message.ToArray(), type));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_non_zero_protocol_version_sends_our_key_package_and_keeps_frames_back_until_a_key()
    {
        await _dave.OnSelectProtocolAckAsync(1, TestContext.Current.CancellationToken);

        var (message, type) = Assert.Single(_sent);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(26, message[0]); // [op][payload]: MLS key package
        Assert.False(_dave.CanEncrypt);
        Assert.Equal(FrameEncryptResult.NoKey, _dave.Encrypt([0xFC, 1], new byte[64], out _));
    }

    [Fact]
    public async Task Protocol_version_zero_sends_nothing_and_passes_frames_through_both_ways()
    {
        await _dave.OnSelectProtocolAckAsync(0, TestContext.Current.CancellationToken);

        Assert.Empty(_sent);
        Assert.True(_dave.CanEncrypt);
        var output = new byte[64];
        Assert.Equal(FrameEncryptResult.Passthrough, _dave.Encrypt([0xFC, 1], output, out var written));
        Assert.Equal([0xFC, 1], output[..written]);
        Assert.Equal(FrameDecryptResult.Passthrough, _dave.Decrypt(500, [0xFC, 2], output, out written));
        Assert.Equal([0xFC, 2], output[..written]);
    }

    [Fact]
    public async Task Malformed_dave_messages_are_logged_and_answered_with_nothing()
    {
        await _dave.OnSelectProtocolAckAsync(1, TestContext.Current.CancellationToken);
        _sent.Clear();

        await _dave.HandleBinaryAsync([0, 1, 25, 0xFF, 0xFF], TestContext.Current.CancellationToken);
        await _dave.HandleJsonAsync("{\"op\": 24, \"d\": []}"u8.ToArray(), TestContext.Current.CancellationToken);

        Assert.Empty(_sent);
        Assert.Equal(2, _logs.Lines.Count(l => l.EventId.Id == 4210));
    }

    [Fact]
    public void Clients_connecting_and_leaving_update_the_recognised_users()
    {
        _dave.OnClientsConnect([500, 501]);
        _dave.OnClientDisconnect(501);

        Assert.Contains(500ul, _dave.Session.RecognizedUsers);
        Assert.DoesNotContain(501ul, _dave.Session.RecognizedUsers);
    }
}
