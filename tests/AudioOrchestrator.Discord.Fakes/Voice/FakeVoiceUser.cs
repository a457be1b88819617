using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Discord.Voice.Udp;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>A frame a simulated user received from the bot (after transport and DAVE decryption).</summary>
public sealed record FakeVoiceFrame(ulong? FromUserId, uint Ssrc, ushort Sequence, uint Timestamp, byte[] Opus);

/// <summary>
/// A simulated user in the fake voice channel: its own UDP socket and transport key (real packet format), and
/// its own DAVE member when DAVE is on (our <see cref="DaveSession"/> or davey, see <see cref="IFakeDaveMember"/>).
/// </summary>
public sealed class FakeVoiceUser : IAsyncDisposable
{
    private readonly FakeVoiceServer _server;
    private readonly Socket _udp;
    private readonly VoiceTransportCipher _cipher;
    private readonly Lock _daveGate = new();
    private readonly Channel<FakeVoiceFrame> _received = Channel.CreateUnbounded<FakeVoiceFrame>();
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiveTask;
    private ushort _sequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
    private uint _timestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    private long _rejected;
    private long _daveFrames;
    private long _daveFramesSent;

    internal FakeVoiceUser(FakeVoiceServer server, ulong userId, uint ssrc, VoiceEncryptionMode mode, IFakeDaveMember? dave)
    {
        _server = server;
        UserId = userId;
        Ssrc = ssrc;
        Dave = dave;
        var key = RandomNumberGenerator.GetBytes(VoiceTransportCipher.KeyLength);
        _cipher = new VoiceTransportCipher(mode, key);
        ServerCipher = new VoiceTransportCipher(mode, key);
        _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public ulong UserId { get; }

    public uint Ssrc { get; }

    /// <summary>The user's DAVE member (null without DAVE).</summary>
    public IFakeDaveMember? Dave { get; }

    /// <summary>The user's own DAVE session when the member is ours (null without DAVE or for davey).</summary>
    public DaveSession? Session => (Dave as OwnDaveMember)?.Session;

    /// <summary>Whether a bot connected to the user's channel says it is speaking (its last Speaking, op 5, was not 0).</summary>
    public bool BotSpeaking => _server.Sessions.Any(s => s.Connection is not null && s.SpeakingUpdates is [.., not 0]);

    /// <summary>Frames received from the bot.</summary>
    public ChannelReader<FakeVoiceFrame> Received => _received.Reader;

    /// <summary>Packets or frames the user could not open.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Frames received as DAVE protocol frames (parsed with their <c>FA FA</c> marker) before decryption.</summary>
    public long DaveFramesReceived => Interlocked.Read(ref _daveFrames);

    /// <summary>Frames sent as DAVE protocol frames (the member's encryption produced a marked frame).</summary>
    public long DaveFramesSent => Interlocked.Read(ref _daveFramesSent);

    /// <summary>True once the user holds a DAVE sender key (or has no DAVE).</summary>
    public bool CanSend => Dave is null || WithDave(d => d.CanSend);

    /// <summary>The DAVE member's epoch (null without DAVE or an established group).</summary>
    public ulong? DaveEpoch => Dave is null ? null : WithDave(d => d.Epoch);

    /// <summary>The DAVE member's epoch authenticator (null without DAVE or an established group).</summary>
    public byte[]? EpochAuthenticator => Dave is null ? null : WithDave(d => d.EpochAuthenticator);

    internal VoiceTransportCipher ServerCipher { get; }

    internal KeyPackage? KeyPackage { get; set; }

    internal IPEndPoint? Endpoint { get; private set; }

    /// <summary>Sends one Opus frame (DAVE-encrypted when on) as the next RTP packet.</summary>
    public async Task SendOpusAsync(ReadOnlyMemory<byte> opus)
    {
        var payload = opus.ToArray();
        if (Dave is not null)
        {
            payload = WithDave(d => d.Encrypt(payload));
            if (IsDaveFrame(payload))
            {
                Interlocked.Increment(ref _daveFramesSent);
            }
        }

        var packet = new byte[VoiceTransportCipher.SealedLength(RtpHeader.FixedLength, payload.Length)];
        _cipher.Seal(new RtpHeader(_sequence++, _timestamp, Ssrc), payload, packet);
        _timestamp += 960;
        await SendRawAsync(packet).ConfigureAwait(false);
    }

    /// <summary>Sends any datagram to the voice server.</summary>
    public async Task SendRawAsync(byte[] datagram) => await _udp.SendToAsync(datagram, SocketFlags.None, _server.UdpEndpoint).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        if (_receiveTask is not null)
        {
            await _receiveTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _cipher.Dispose();
        ServerCipher.Dispose();
        lock (_daveGate)
        {
            Dave?.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>Runs <paramref name="action"/> on the DAVE member, serialised with the receive loop.</summary>
    public void WithDave(Action<IFakeDaveMember> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        WithDave(d =>
        {
            action(d);
            return true;
        });
    }

    /// <summary>Runs <paramref name="action"/> on the DAVE member, serialised with the receive loop.</summary>
    public T WithDave<T>(Func<IFakeDaveMember, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_daveGate)
        {
            return action(Dave ?? throw new InvalidOperationException("The user has no DAVE member."));
        }
    }

    /// <summary>A DAVE protocol frame ends with its supplemental size (at least tag, nonce, size and marker) and <c>FA FA</c>.</summary>
    private static bool IsDaveFrame(byte[] frame) =>
        frame.Length >= 12 && frame[^1] == 0xFA && frame[^2] == 0xFA && frame[^3] >= 12 && frame[^3] <= frame.Length;

    internal async Task DiscoverAsync()
    {
        _server.ExpectDiscovery(Ssrc);
        var request = new byte[IpDiscovery.PacketLength];
        IpDiscovery.WriteRequest(request, Ssrc);
        var response = new byte[256];
        for (var attempt = 0; attempt < 5 && Endpoint is null; attempt++)
        {
            await _udp.SendToAsync(request, SocketFlags.None, _server.UdpEndpoint).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                var n = await _udp.ReceiveAsync(response, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (IpDiscovery.TryParse(response.AsSpan(0, n), IpDiscovery.ResponseType, out var ssrc, out var address, out var port) && ssrc == Ssrc)
                {
                    Endpoint = new IPEndPoint(IPAddress.Parse(address), port);
                }
            }
            catch (OperationCanceledException)
            {
                // Retry.
            }
        }

        if (Endpoint is null)
        {
            throw new InvalidOperationException("IP discovery failed.");
        }

        _receiveTask = Task.Run(ReceiveLoopAsync);
    }

    private async Task ReceiveLoopAsync()
    {
        var packet = new byte[2048];
        var plain = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _udp.ReceiveAsync(packet, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue;
            }

            if (_cipher.Open(packet.AsSpan(0, n), plain, out var opened) != RtpReceiveResult.Ok)
            {
                Interlocked.Increment(ref _rejected);
                continue;
            }

            var from = _server.Sessions.FirstOrDefault(s => s.Ssrc == opened.Header.Ssrc)?.UserId
                ?? _server.Users().FirstOrDefault(u => u.Ssrc == opened.Header.Ssrc)?.UserId;
            var opus = plain.AsSpan(opened.PayloadOffset, opened.PayloadLength).ToArray();
            if (Dave is not null)
            {
                if (IsDaveFrame(opus))
                {
                    Interlocked.Increment(ref _daveFrames);
                }

                var decrypted = from is { } sender ? WithDave(d => d.Decrypt(sender, opus)) : null;
                if (decrypted is null)
                {
                    Interlocked.Increment(ref _rejected);
                    continue;
                }

                opus = decrypted;
            }

            _received.Writer.TryWrite(new FakeVoiceFrame(from, opened.Header.Ssrc, opened.Header.Sequence, opened.Header.Timestamp, opus));
        }
    }
}
