using AudioOrchestrator.Dave.Session;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>
/// The DAVE side of a simulated voice user: it answers the voice gateway's DAVE opcodes as a client would (what it
/// returns is what the client would send) and end-to-end encrypts and decrypts the user's Opus frames. One is backed
/// by our own <see cref="DaveSession"/> (<see cref="OwnDaveMember"/>), one by npm <c>@snazzah/davey</c>
/// (<see cref="DaveyDaveMember"/>). Calls are serialised by the owning <see cref="FakeVoiceUser"/>.
/// </summary>
public interface IFakeDaveMember : IDisposable
{
    /// <summary>Session Description carried a DAVE version: a non-zero one answers a fresh key package (opcode 26).</summary>
    IReadOnlyList<DaveOutgoing> OnSelectProtocolAck(int protocolVersion);

    /// <summary>Clients Connect (opcode 11): users whose Add proposals are expected.</summary>
    void OnClientsConnect(IEnumerable<ulong> userIds);

    /// <summary>Client Disconnect (opcode 13).</summary>
    void OnClientDisconnect(ulong userId);

    /// <summary>A binary DAVE message of the gateway (<c>[seq][op][payload]</c>, opcodes 25, 27, 29, 30).</summary>
    IReadOnlyList<DaveOutgoing> HandleBinary(ReadOnlyMemory<byte> message);

    /// <summary>A JSON DAVE message of the gateway (opcodes 21, 22, 24).</summary>
    IReadOnlyList<DaveOutgoing> HandleJson(ReadOnlySpan<byte> utf8Json);

    /// <summary>True once the member can encrypt its media (holds a sender key, or passthrough).</summary>
    bool CanSend { get; }

    /// <summary>The member's MLS epoch; null without an established group.</summary>
    ulong? Epoch { get; }

    /// <summary>The epoch authenticator of the member's group; null without one.</summary>
    byte[]? EpochAuthenticator { get; }

    /// <summary>Why the last message or frame was refused; null when all went well.</summary>
    string? LastError { get; }

    /// <summary>End-to-end encrypts one of the user's Opus frames.</summary>
    /// <exception cref="InvalidOperationException">The member cannot encrypt.</exception>
    byte[] Encrypt(byte[] opus);

    /// <summary>Decrypts a frame of <paramref name="senderUserId"/>; null when it is refused.</summary>
    byte[]? Decrypt(ulong senderUserId, byte[] frame);
}
