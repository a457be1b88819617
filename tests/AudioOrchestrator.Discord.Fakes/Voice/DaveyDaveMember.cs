using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Dave;
using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Messages;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>
/// A simulated user's DAVE side backed by npm <c>@snazzah/davey</c> (Rust/OpenMLS, what discord.js uses), driven
/// through <see cref="DaveyDriver"/>. It reacts to the gateway's opcodes the way <c>@discordjs/voice</c> drives davey:
/// a key package on Session Description, the external sender (25), proposals answered with a commit and welcome
/// (27 to 28), commits (29) and welcomes (30) answered with ready (23) or, when davey refuses them, with an invalid
/// commit/welcome (31) and a fresh key package (26), and epoch 1 (24) re-initialising the group. Our codec only frames
/// davey's bytes into <see cref="DaveOutgoing"/> records; every MLS and frame operation is davey's.
/// </summary>
public sealed class DaveyDaveMember : IFakeDaveMember
{
    private readonly NodeScriptProcess _davey;
    private readonly HashSet<ulong> _recognized = [];
    private readonly string _userId;
    private readonly string _channelId;
    private bool _created;

    private DaveyDaveMember(NodeScriptProcess davey, ulong userId, ulong channelId)
    {
        _davey = davey;
        _userId = Id(userId);
        _channelId = Id(channelId);
        _recognized.Add(userId);
    }

    /// <summary>Starts a davey process (npm installs the package on first use) for one user.</summary>
    public static DaveyDaveMember Start(ulong userId, ulong channelId) =>
        new(DaveyDriver.Start("audio-orchestrator-voice-davey"), userId, channelId);

    public string? LastError { get; private set; }

    public bool CanSend => _created && State().GetProperty("ready").GetBoolean();

    public ulong? Epoch
    {
        get
        {
            if (!_created)
            {
                return null;
            }

            var state = State();
            return state.GetProperty("ready").GetBoolean() && state.GetProperty("epoch").GetString() is { } epoch
                ? ulong.Parse(epoch, CultureInfo.InvariantCulture)
                : null;
        }
    }

    public byte[]? EpochAuthenticator =>
        _created && State().GetProperty("auth").GetString() is { } hex ? Convert.FromHexString(hex) : null;

    /// <summary>The user ids davey has in its group.</summary>
    public IReadOnlyList<ulong> GroupUsers =>
        _created ? [.. State().GetProperty("users").EnumerateArray().Select(u => ulong.Parse(u.GetString()!, CultureInfo.InvariantCulture))] : [];

    public IReadOnlyList<DaveOutgoing> OnSelectProtocolAck(int protocolVersion)
    {
        if (protocolVersion == 0)
        {
            return [];
        }

        if (!_created)
        {
            _davey.Call(new { cmd = "new", userId = _userId, channelId = _channelId });
            _created = true;
            return [KeyPackageOut(_davey.Call(new { cmd = "kp" }))];
        }

        return [KeyPackageOut(Reinit())];
    }

    public void OnClientsConnect(IEnumerable<ulong> userIds) => _recognized.UnionWith(userIds);

    public void OnClientDisconnect(ulong userId) => _recognized.Remove(userId);

    public IReadOnlyList<DaveOutgoing> HandleBinary(ReadOnlyMemory<byte> message)
    {
        LastError = null;
        var bytes = message.Span;
        if (bytes.Length < 3)
        {
            LastError = "Binary message shorter than its header.";
            return [];
        }

        switch ((DaveOpcode)bytes[2])
        {
            case DaveOpcode.MlsExternalSenderPackage:
                var sender = Convert.ToHexString(bytes[3..]);
                Try(() => _davey.Call(new { cmd = "ext", hex = sender }));
                return [];
            case DaveOpcode.MlsProposals when bytes.Length >= 4:
                return OnProposals(bytes[3], bytes[4..].ToArray());
            case DaveOpcode.MlsAnnounceCommitTransition when bytes.Length >= 5:
                return Join("commit", BinaryPrimitives.ReadUInt16BigEndian(bytes[3..]), bytes[5..].ToArray());
            case DaveOpcode.MlsWelcome when bytes.Length >= 5:
                return Join("welcome", BinaryPrimitives.ReadUInt16BigEndian(bytes[3..]), bytes[5..].ToArray());
            default:
                LastError = $"Unexpected binary opcode {bytes[2]}.";
                return [];
        }
    }

    public IReadOnlyList<DaveOutgoing> HandleJson(ReadOnlySpan<byte> utf8Json)
    {
        LastError = null;
        DaveJsonMessage message;
        try
        {
            message = DaveJsonCodec.Parse(utf8Json).Message;
        }
        catch (DaveDecodeException ex)
        {
            LastError = ex.Message;
            return [];
        }

        return message switch
        {
            PrepareTransition { TransitionId: > 0 } m => [DaveOutgoing.Of(new ReadyForTransition(m.TransitionId))],
            PrepareEpoch { Epoch: 1, ProtocolVersion: > 0 } => [KeyPackageOut(Reinit())],
            _ => [],
        };
    }

    public byte[] Encrypt(byte[] opus)
    {
        ArgumentNullException.ThrowIfNull(opus);
        if (OpusSilence.Is(opus))
        {
            return opus;
        }

        return Convert.FromHexString(_davey.Call(new { cmd = "encrypt", hex = Convert.ToHexString(opus) }).GetProperty("hex").GetString()!);
    }

    public byte[]? Decrypt(ulong senderUserId, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (OpusSilence.Is(frame))
        {
            return frame;
        }

        try
        {
            var reply = _davey.Call(new { cmd = "decrypt", userId = Id(senderUserId), hex = Convert.ToHexString(frame) });
            return Convert.FromHexString(reply.GetProperty("hex").GetString()!);
        }
        catch (InvalidOperationException ex)
        {
            LastError = ex.Message;
            return null;
        }
    }

    public void Dispose() => _davey.Dispose();

    private List<DaveOutgoing> OnProposals(byte operation, byte[] payload)
    {
        JsonElement reply = default;
        var users = _recognized.Select(Id).ToArray();
        if (!Try(() => reply = _davey.Call(new { cmd = "proposals", op = (int)operation, hex = Convert.ToHexString(payload), users })))
        {
            return [];
        }

        if (reply.GetProperty("commit").GetString() is not { } commit)
        {
            return [];
        }

        var welcome = reply.GetProperty("welcome").GetString() is { } w ? TlsCodec.Deserialize<Welcome>(Convert.FromHexString(w)) : null;
        return [DaveOutgoing.Of(new CommitWelcomeMessage(TlsCodec.Deserialize<MlsMessage>(Convert.FromHexString(commit)), welcome))];
    }

    /// <summary>Processes an announced commit or a welcome; davey refusing it means opcode 31 and a new key package.</summary>
    private List<DaveOutgoing> Join(string command, ushort transitionId, byte[] payload)
    {
        if (Try(() => _davey.Call(new { cmd = command, hex = Convert.ToHexString(payload) })))
        {
            return transitionId == 0 ? [] : [DaveOutgoing.Of(new ReadyForTransition(transitionId))];
        }

        var error = LastError;
        List<DaveOutgoing> recovery = [DaveOutgoing.Of(new InvalidCommitWelcome(transitionId)), KeyPackageOut(Reinit())];
        LastError = error;
        return recovery;
    }

    private JsonElement Reinit() => _davey.Call(new { cmd = "reinit", userId = _userId, channelId = _channelId });

    private JsonElement State() => _davey.Call(new { cmd = "state" });

    private bool Try(Action call)
    {
        try
        {
            call();
            return true;
        }
        catch (InvalidOperationException ex)
        {
            LastError = ex.Message;
            return false;
        }
    }

    private static DaveOutgoing KeyPackageOut(JsonElement reply) =>
        DaveOutgoing.Of(new KeyPackageMessage(TlsCodec.Deserialize<KeyPackage>(Convert.FromHexString(reply.GetProperty("hex").GetString()!))));

    private static string Id(ulong snowflake) => snowflake.ToString(CultureInfo.InvariantCulture);
}
