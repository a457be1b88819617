using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Session;

/// <summary>
/// The DAVE protocol state machine of one voice connection (protocol version 1, no I/O): feed it the
/// voice gateway's DAVE messages, send what it returns, and encrypt and decrypt Opus frames through
/// it. MLS group id = channel id, credentials are basic with the big-endian user id; the voice
/// gateway is the single external sender and only its Add and Remove proposals are accepted.
/// Not thread-safe: drive it from the connection's message loop (frame calls may run on media
/// threads only if the caller serialises them with the message loop).
/// </summary>
public sealed partial class DaveSession : IDisposable
{
    /// <summary>The highest DAVE protocol version we speak (<c>max_dave_protocol_version</c>).</summary>
    public const int MaxProtocolVersion = 1;

    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    private readonly TimeProvider _clock;
    private readonly byte[] _signaturePrivateKey;
    private readonly HashSet<ulong> _recognizedUsers = [];
    private readonly Dictionary<ushort, ushort> _pendingTransitions = [];
    private ExternalSender? _externalSender;
    private KeyPackage? _keyPackage;
    private KeyPackagePrivateKeys? _keyPackageKeys;
    private MlsGroup? _group;
    private ushort _upcomingVersion = MaxProtocolVersion;
    private byte[]? _ownCommit;

    /// <param name="userId">Our user id.</param>
    /// <param name="channelId">The voice channel id (the MLS group id).</param>
    /// <param name="clock">Clock for key retention and passthrough windows.</param>
    /// <param name="signaturePrivateKey">Our P-256 signature key (one per process, reused across connections); generated when null.</param>
    public DaveSession(ulong userId, ulong channelId, TimeProvider? clock = null, byte[]? signaturePrivateKey = null)
    {
        UserId = userId;
        ChannelId = channelId;
        _clock = clock ?? TimeProvider.System;
        _signaturePrivateKey = signaturePrivateKey ?? Suite.GenerateSignatureKeyPair().PrivateKey;
        _recognizedUsers.Add(userId);
        Encryptor = new Frames.DaveFrameEncryptor { Passthrough = true };
    }

    public ulong UserId { get; }

    public ulong ChannelId { get; }

    /// <summary>The protocol version in effect for sending (0 = transport encryption only, passthrough).</summary>
    public int ProtocolVersion { get; private set; }

    /// <summary>The MLS group: our pending one-member group (epoch 0) or the established group.</summary>
    public MlsGroup? Group => _group;

    /// <summary>True once we are in a group established by the voice gateway (epoch &gt; 0).</summary>
    public bool IsEstablished => _group is { Epoch: > 0, IsMember: true };

    /// <summary>The key package most recently sent (opcode 26).</summary>
    public KeyPackage? KeyPackage => _keyPackage;

    /// <summary>Transitions announced and not yet executed (id to protocol version).</summary>
    public IReadOnlyDictionary<ushort, ushort> PendingTransitions => _pendingTransitions;

    /// <summary>Why the last message was ignored or triggered a recovery; null when all went well.</summary>
    public string? LastError { get; private set; }

    /// <summary>The encryptor of our own media.</summary>
    public Frames.DaveFrameEncryptor Encryptor { get; }

    /// <summary>Users the voice gateway told us about (opcode 11); Add proposals for others are refused.</summary>
    public IReadOnlyCollection<ulong> RecognizedUsers => _recognizedUsers;

    /// <summary>
    /// Session Description (opcode 4) carried <c>dave_protocol_version</c>: a non-zero version means
    /// a fresh key package (opcode 26); 0 means transport encryption only (passthrough).
    /// </summary>
    public IReadOnlyList<DaveOutgoing> OnSelectProtocolAck(int protocolVersion)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(protocolVersion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(protocolVersion, MaxProtocolVersion);
        LastError = null;
        ProtocolVersion = protocolVersion;
        _upcomingVersion = (ushort)Math.Max(protocolVersion, 1);
        Encryptor.Passthrough = protocolVersion == 0;
        SetReceivePassthrough(protocolVersion == 0);
        return protocolVersion == 0 ? [] : ResetGroupWithNewKeyPackage();
    }

    /// <summary>Clients Connect (opcode 11).</summary>
    public void OnClientsConnect(IEnumerable<ulong> userIds)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        _recognizedUsers.UnionWith(userIds);
    }

    /// <summary>Client Disconnect (opcode 13).</summary>
    public void OnClientDisconnect(ulong userId)
    {
        if (userId != UserId)
        {
            _recognizedUsers.Remove(userId);
        }
    }

    /// <summary>
    /// Handles a binary websocket message from the voice gateway. Malformed commits and welcomes lead
    /// to a recovery (opcode 31 and a new key package); other malformed messages are ignored.
    /// </summary>
    public IReadOnlyList<DaveOutgoing> HandleBinary(ReadOnlyMemory<byte> message)
    {
        LastError = null;
        DaveServerBinaryMessage parsed;
        try
        {
            parsed = DaveBinaryCodec.ParseServer(message);
        }
        catch (DaveDecodeException ex)
        {
            var span = message.Span;
            if (span.Length >= 5 && span[2] is (byte)DaveOpcode.MlsAnnounceCommitTransition or (byte)DaveOpcode.MlsWelcome)
            {
                return Recover((ushort)((span[3] << 8) | span[4]), ex.Message);
            }

            LastError = ex.Message;
            return [];
        }

        return Handle(parsed);
    }

    /// <summary>Handles a JSON DAVE message (opcodes 21, 22, 24) from the voice gateway; malformed ones are ignored.</summary>
    public IReadOnlyList<DaveOutgoing> HandleJson(ReadOnlySpan<byte> utf8Json)
    {
        LastError = null;
        try
        {
            return Handle(DaveJsonCodec.Parse(utf8Json).Message);
        }
        catch (DaveDecodeException ex)
        {
            LastError = ex.Message;
            return [];
        }
    }

    /// <summary>Handles a parsed binary server message.</summary>
    public IReadOnlyList<DaveOutgoing> Handle(DaveServerBinaryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message switch
        {
            ExternalSenderPackage m => OnExternalSender(m.ExternalSender),
            ProposalsPackage m => OnProposals(m),
            AnnounceCommitTransition m => OnAnnounceCommit(m.TransitionId, m.Commit),
            WelcomePackage m => OnWelcome(m.TransitionId, m.Welcome),
            _ => [],
        };
    }

    /// <summary>Handles a parsed JSON server message.</summary>
    public IReadOnlyList<DaveOutgoing> Handle(DaveJsonMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message switch
        {
            PrepareTransition m => OnPrepareTransition(m.TransitionId, m.ProtocolVersion),
            ExecuteTransition m => OnExecuteTransition(m.TransitionId),
            PrepareEpoch m => OnPrepareEpoch(m.Epoch, m.ProtocolVersion),
            _ => [],
        };
    }

    public void Dispose()
    {
        Encryptor.Dispose();
        DisposeMedia();
    }

    private IReadOnlyList<DaveOutgoing> OnPrepareTransition(ushort transitionId, ushort protocolVersion)
    {
        _pendingTransitions[transitionId] = protocolVersion;
        if (protocolVersion == 0)
        {
            SetReceivePassthrough(true);
        }

        if (transitionId == 0)
        {
            Execute(transitionId);
            return [];
        }

        return [DaveOutgoing.Of(new ReadyForTransition(transitionId))];
    }

    private IReadOnlyList<DaveOutgoing> OnExecuteTransition(ushort transitionId)
    {
        if (!_pendingTransitions.ContainsKey(transitionId))
        {
            LastError = $"Execute of unknown transition {transitionId}.";
            return [];
        }

        Execute(transitionId);
        return [];
    }

    private IReadOnlyList<DaveOutgoing> OnPrepareEpoch(ulong epoch, ushort protocolVersion)
    {
        if (protocolVersion > MaxProtocolVersion)
        {
            LastError = $"Unsupported protocol version {protocolVersion}.";
            return [];
        }

        if (epoch != 1 || protocolVersion == 0)
        {
            return [];
        }

        _upcomingVersion = protocolVersion;
        return ResetGroupWithNewKeyPackage();
    }

    private void Execute(ushort transitionId)
    {
        var version = _pendingTransitions.Remove(transitionId, out var v) ? v : _upcomingVersion;
        ProtocolVersion = version;
        if (version == 0)
        {
            Encryptor.Passthrough = true;
            SetReceivePassthrough(true);
            ExpireAllReceiveKeys();
            return;
        }

        Encryptor.Passthrough = false;
        SetReceivePassthrough(false);
        InstallSenderKey();
    }
}
