using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// The UDP side of a voice connection that the receiver and the sender share: our SSRC, the socket connected to the
/// voice server (with IP discovery), the transport cipher of the current Session Description, and the keep-alive
/// datagrams that hold the path open.
/// </summary>
internal sealed class VoiceUdpTransport : IDisposable
{
    private readonly TimeSpan _keepAliveInterval;
    private readonly VoiceConnectionStatistics _statistics;
    private readonly TimeProvider _time;

    public VoiceUdpTransport(TimeSpan keepAliveInterval, VoiceConnectionStatistics statistics, TimeProvider time)
    {
        _keepAliveInterval = keepAliveInterval;
        _statistics = statistics;
        _time = time;
    }

    /// <summary>Our SSRC (from Ready; 0 before).</summary>
    public uint Ssrc { get; set; }

    /// <summary>The socket connected to the voice server (null before Ready).</summary>
    public Socket? Socket { get; private set; }

    /// <summary>The external address and port found by IP discovery.</summary>
    public IPEndPoint? ExternalEndpoint { get; private set; }

    /// <summary>The transport cipher of the latest Session Description (null before the first).</summary>
    public VoiceTransportCipher? Cipher { get; private set; }

    /// <summary>The keep-alive loop (completed when not started).</summary>
    public Task KeepAlive { get; private set; } = Task.CompletedTask;

    /// <summary>Connects a socket to the voice server and finds our external endpoint by IP discovery (for <see cref="Ssrc"/>).</summary>
    public async Task<IPEndPoint> ConnectAsync(IPEndPoint server, CancellationToken cancellationToken)
    {
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await udp.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        Socket = udp;
        ExternalEndpoint = await DiscoverAsync(udp, cancellationToken).ConfigureAwait(false);
        return ExternalEndpoint;
    }

    /// <summary>Installs the key of a Session Description; true for the first one.</summary>
    public bool SetKey(VoiceEncryptionMode mode, ReadOnlySpan<byte> secretKey)
    {
        var old = Cipher;
        Cipher = new VoiceTransportCipher(mode, secretKey);

        // A repeated Session Description replaces the key; the old cipher may still be in use by the
        // receive loop, so it is left to the garbage collector rather than disposed here.
        return old is null;
    }

    /// <summary>Starts sending an 8-byte counter every <see cref="VoiceConnectionOptions.UdpKeepAliveInterval"/> until <paramref name="cancellationToken"/>.</summary>
    public void StartKeepAlive(CancellationToken cancellationToken) =>
        KeepAlive = Task.Run(() => KeepAliveLoopAsync(cancellationToken), CancellationToken.None);

    /// <summary>Closes the socket (the receive loop ends).</summary>
    public void CloseSocket() => Socket?.Dispose();

    public void Dispose()
    {
        Socket?.Dispose();
        Cipher?.Dispose();
    }

    private async Task<IPEndPoint> DiscoverAsync(Socket udp, CancellationToken cancellationToken)
    {
        var request = new byte[IpDiscovery.PacketLength];
        var response = new byte[256];
        IpDiscovery.WriteRequest(request, Ssrc);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await udp.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(500 * (attempt + 1)));
            try
            {
                while (true)
                {
                    var n = await udp.ReceiveAsync(response, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (IpDiscovery.TryParse(response.AsSpan(0, n), IpDiscovery.ResponseType, out var ssrc, out var address, out var port)
                        && ssrc == Ssrc && IPAddress.TryParse(address, out var parsed))
                    {
                        return new IPEndPoint(parsed, port);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Retry.
            }
            catch (SocketException)
            {
                // ICMP unreachable and the like: retry.
            }
        }

        throw new InvalidOperationException("UDP IP discovery got no answer.");
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        var payload = new byte[8];
        ulong counter = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                BinaryPrimitives.WriteUInt64LittleEndian(payload, counter++);
                await Socket!.SendAsync(payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                _statistics.CountKeepAlive();
                await Task.Delay(_keepAliveInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                break;
            }
        }
    }
}
