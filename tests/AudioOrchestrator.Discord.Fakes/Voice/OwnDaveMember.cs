using AudioOrchestrator.Dave.Frames;
using AudioOrchestrator.Dave.Session;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>A simulated user's DAVE side backed by our own <see cref="DaveSession"/>.</summary>
public sealed class OwnDaveMember(DaveSession session) : IFakeDaveMember
{
    /// <summary>The session (tests read its group directly).</summary>
    public DaveSession Session { get; } = session ?? throw new ArgumentNullException(nameof(session));

    public bool CanSend => Session.Encryptor.HasKey || Session.Encryptor.Passthrough;

    public ulong? Epoch => Session.IsEstablished ? Session.Group!.Epoch : null;

    public byte[]? EpochAuthenticator => Session.IsEstablished ? Session.Group!.EpochAuthenticator : null;

    public string? LastError => Session.LastError;

    public IReadOnlyList<DaveOutgoing> OnSelectProtocolAck(int protocolVersion) => Session.OnSelectProtocolAck(protocolVersion);

    public void OnClientsConnect(IEnumerable<ulong> userIds) => Session.OnClientsConnect(userIds);

    public void OnClientDisconnect(ulong userId) => Session.OnClientDisconnect(userId);

    public IReadOnlyList<DaveOutgoing> HandleBinary(ReadOnlyMemory<byte> message) => Session.HandleBinary(message);

    public IReadOnlyList<DaveOutgoing> HandleJson(ReadOnlySpan<byte> utf8Json) => Session.HandleJson(utf8Json);

    public byte[] Encrypt(byte[] opus)
    {
        ArgumentNullException.ThrowIfNull(opus);
        var output = new byte[DaveFrameEncryptor.MaxOutputSize(opus.Length)];
        var result = Session.Encrypt(opus, output, out var written);
        return result is FrameEncryptResult.Encrypted or FrameEncryptResult.Passthrough
            ? output[..written]
            : throw new InvalidOperationException($"DAVE could not encrypt: {result}.");
    }

    public byte[]? Decrypt(ulong senderUserId, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var output = new byte[frame.Length];
        var result = Session.Decrypt(senderUserId, frame, output, out var written);
        return result is FrameDecryptResult.Decrypted or FrameDecryptResult.Passthrough ? output[..written] : null;
    }

    public void Dispose() => Session.Dispose();
}
