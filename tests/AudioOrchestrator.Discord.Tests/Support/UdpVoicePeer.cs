using System.Net;
using System.Net.Sockets;
using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Tests.Support;

/// <summary>
/// The voice server's end of a UDP path on loopback, for testing a voice transport alone: it answers IP discovery
/// and sends and receives raw datagrams.
/// </summary>
internal sealed class UdpVoicePeer : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private EndPoint? _client;

    public UdpVoicePeer() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public IPEndPoint Endpoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Answers one IP discovery request with the address and port it came from; returns the SSRC asked about.</summary>
    public async Task<uint> AnswerDiscoveryAsync()
    {
        var buffer = new byte[IpDiscovery.PacketLength];
        using var timeout = new CancellationTokenSource(Timeout);
        var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        Assert.True(IpDiscovery.TryParse(buffer.AsSpan(0, received.ReceivedBytes), IpDiscovery.RequestType, out var ssrc, out _, out _), "an IP discovery request");
        _client = received.RemoteEndPoint;
        var client = (IPEndPoint)_client;
        var response = new byte[IpDiscovery.PacketLength];
        IpDiscovery.WriteResponse(response, ssrc, client.Address.ToString(), (ushort)client.Port);
        await _socket.SendToAsync(response, SocketFlags.None, _client, timeout.Token);
        return ssrc;
    }

    /// <summary>The next datagram from the client.</summary>
    public async Task<byte[]> ReceiveAsync()
    {
        var buffer = new byte[2048];
        using var timeout = new CancellationTokenSource(Timeout);
        var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..n];
    }

    /// <summary>Sends a datagram to the client (after discovery).</summary>
    public async Task SendAsync(byte[] datagram)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendToAsync(datagram, SocketFlags.None, _client!, timeout.Token);
    }

    public void Dispose() => _socket.Dispose();
}
