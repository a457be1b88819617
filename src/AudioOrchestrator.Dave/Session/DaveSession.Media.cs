using AudioOrchestrator.Dave.Frames;

namespace AudioOrchestrator.Dave.Session;

/// <summary>Media keys: per-sender ratchets of each epoch, and frame encryption and decryption.</summary>
public sealed partial class DaveSession
{
    private readonly Dictionary<ulong, DaveFrameDecryptor> _decryptors = [];
    private SenderKeyRatchet? _stagedSenderKey;
    private bool _receivePassthrough = true;

    /// <summary>Encrypts one of our Opus frames (see <see cref="DaveFrameEncryptor.Encrypt"/>).</summary>
    public FrameEncryptResult Encrypt(ReadOnlySpan<byte> frame, Span<byte> output, out int written) =>
        Encryptor.Encrypt(frame, output, out written);

    /// <summary>Decrypts an Opus frame of <paramref name="senderUserId"/>.</summary>
    public FrameDecryptResult Decrypt(ulong senderUserId, ReadOnlySpan<byte> frame, Span<byte> output, out int written)
    {
        if (_decryptors.TryGetValue(senderUserId, out var decryptor))
        {
            return decryptor.Decrypt(frame, output, out written);
        }

        written = 0;
        if (!_receivePassthrough && !OpusSilence.Is(frame))
        {
            return FrameDecryptResult.NoKey;
        }

        if (!frame.TryCopyTo(output))
        {
            return FrameDecryptResult.OutputTooSmall;
        }

        written = frame.Length;
        return FrameDecryptResult.Passthrough;
    }

    /// <summary>The decryptor of a sender, if we hold keys for them.</summary>
    public DaveFrameDecryptor? DecryptorOf(ulong senderUserId) => _decryptors.GetValueOrDefault(senderUserId);

    private void PrepareReceiveKeys()
    {
        var group = _group!;
        var members = new HashSet<ulong>();
        foreach (var leaf in group.Tree.OccupiedLeaves())
        {
            members.Add(DaveIdentity.UserIdOf(group.Tree.GetLeaf(leaf)!.Credential)!.Value);
        }

        foreach (var user in members)
        {
            if (user == UserId)
            {
                _stagedSenderKey?.Dispose();
                _stagedSenderKey = SenderKeyRatchet.FromGroup(group, user);
                continue;
            }

            if (!_decryptors.TryGetValue(user, out var decryptor))
            {
                decryptor = new DaveFrameDecryptor(_clock);
                decryptor.SetPassthrough(_receivePassthrough);
                _decryptors[user] = decryptor;
            }

            decryptor.AddRatchet(SenderKeyRatchet.FromGroup(group, user));
        }

        // Departed members' keys stay usable for the retention window only.
        foreach (var (user, decryptor) in _decryptors)
        {
            if (!members.Contains(user))
            {
                decryptor.ExpireAll();
            }
        }
    }

    private void InstallSenderKey()
    {
        if (_stagedSenderKey is not null)
        {
            Encryptor.SetRatchet(_stagedSenderKey);
            _stagedSenderKey = null;
        }
        else if (_group is { IsMember: true } group && !Encryptor.HasKey)
        {
            Encryptor.SetRatchet(SenderKeyRatchet.FromGroup(group, UserId));
        }
    }

    private void SetReceivePassthrough(bool enabled)
    {
        _receivePassthrough = enabled;
        foreach (var decryptor in _decryptors.Values)
        {
            decryptor.SetPassthrough(enabled);
        }
    }

    private void ExpireAllReceiveKeys()
    {
        foreach (var decryptor in _decryptors.Values)
        {
            decryptor.ExpireAll();
        }
    }

    private void DisposeMedia()
    {
        _stagedSenderKey?.Dispose();
        foreach (var decryptor in _decryptors.Values)
        {
            decryptor.Dispose();
        }

        _decryptors.Clear();
    }
}
