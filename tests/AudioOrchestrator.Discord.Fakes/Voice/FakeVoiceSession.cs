using System.Net;
using AudioOrchestrator.Discord.Voice.Crypto;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>A bot's voice session on the fake: what it identified with, its SSRC and key, and its sent-message buffer.</summary>
public sealed class FakeVoiceSession
{
    private readonly List<(int Seq, byte[] Data, bool Binary)> _sent = [];
    private readonly Lock _gate = new();
    private int _seq;

    internal FakeVoiceSession(string sessionId, string token, ulong userId, ulong serverId, uint ssrc, int daveVersion)
    {
        SessionId = sessionId;
        Token = token;
        UserId = userId;
        ServerId = serverId;
        Ssrc = ssrc;
        DaveVersion = daveVersion;
    }

    public string SessionId { get; }

    internal string Token { get; }

    public ulong UserId { get; }

    public ulong ServerId { get; }

    public uint Ssrc { get; }

    /// <summary>The DAVE version of the Session Description (0 or 1).</summary>
    public int DaveVersion { get; }

    /// <summary>The mode the client selected.</summary>
    public VoiceEncryptionMode? Mode { get; internal set; }

    /// <summary>The client's UDP endpoint learnt from IP discovery.</summary>
    public IPEndPoint? UdpEndpoint { get; internal set; }

    /// <summary>The address the client announced in Select Protocol.</summary>
    public string? AnnouncedAddress { get; internal set; }

    internal VoiceTransportCipher? Cipher { get; set; }

    internal KeyPackage? KeyPackage { get; set; }

    /// <summary>True once the client sent its DAVE key package (op 26).</summary>
    public bool HasKeyPackage => KeyPackage is not null;

    internal FakeVoiceConnection? Connection { get; set; }

    /// <summary>seq_ack values of heartbeats and resumes, in order.</summary>
    public IReadOnlyList<int> SeqAcks => [.. SeqAckLog];

    internal List<int> SeqAckLog { get; } = [];

    /// <summary>Speaking (op 5) values the client sent.</summary>
    public IReadOnlyList<int> SpeakingUpdates => [.. SpeakingLog];

    internal List<int> SpeakingLog { get; } = [];

    /// <summary>The sequence number of the last message sent to this session.</summary>
    public int LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _seq;
            }
        }
    }

    /// <summary>Numbers and buffers a message; the caller sends it if connected.</summary>
    internal (int Seq, byte[] Data) Stamp(Func<int, byte[]> build, bool binary)
    {
        lock (_gate)
        {
            var seq = ++_seq;
            var data = build(seq);
            _sent.Add((seq, data, binary));
            return (seq, data);
        }
    }

    internal IReadOnlyList<(int Seq, byte[] Data, bool Binary)> SentAfter(int seqAck)
    {
        lock (_gate)
        {
            return [.. _sent.Where(m => m.Seq > seqAck)];
        }
    }
}
