using System.Buffers.Binary;
using AudioOrchestrator.Mls;
using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Codec;

/// <summary>
/// Strict codec of the binary DAVE opcodes. Server messages are <c>[seq u16 BE][op u8][payload]</c>,
/// client messages <c>[op u8][payload]</c>; payloads use the TLS presentation language with RFC 9420
/// variable-length vectors. Every parsing failure raises <see cref="DaveDecodeException"/>.
/// </summary>
public static class DaveBinaryCodec
{
    /// <summary>Parses a binary message received from the voice gateway (opcodes 25, 27, 29, 30).</summary>
    public static DaveServerBinaryMessage ParseServer(ReadOnlyMemory<byte> message) => Guard(() =>
    {
        var reader = new TlsReader(message);
        var sequence = reader.ReadUInt16();
        var opcode = reader.ReadUInt8();
        DaveServerBinaryMessage result = (DaveOpcode)opcode switch
        {
            DaveOpcode.MlsExternalSenderPackage => new ExternalSenderPackage(sequence, ExternalSender.Decode(reader)),
            DaveOpcode.MlsProposals => ReadProposals(sequence, reader),
            DaveOpcode.MlsAnnounceCommitTransition => new AnnounceCommitTransition(sequence, reader.ReadUInt16(), MlsMessage.Decode(reader)),
            DaveOpcode.MlsWelcome => new WelcomePackage(sequence, reader.ReadUInt16(), Welcome.Decode(reader)),
            _ => throw new DaveDecodeException($"Opcode {opcode} is not a binary server DAVE opcode."),
        };
        reader.EnsureEnd();
        return result;
    });

    /// <summary>Parses a binary message sent by a client (opcodes 26 and 28), as a voice gateway would.</summary>
    public static DaveBinaryMessage ParseClient(ReadOnlyMemory<byte> message) => Guard(() =>
    {
        var reader = new TlsReader(message);
        var opcode = reader.ReadUInt8();
        DaveBinaryMessage result = (DaveOpcode)opcode switch
        {
            DaveOpcode.MlsKeyPackage => new KeyPackageMessage(ReadKeyPackage(reader, message.Span)),
            DaveOpcode.MlsCommitWelcome => new CommitWelcomeMessage(MlsMessage.Decode(reader), reader.IsAtEnd ? null : Welcome.Decode(reader)),
            _ => throw new DaveDecodeException($"Opcode {opcode} is not a binary client DAVE opcode."),
        };
        reader.EnsureEnd();
        return result;
    });

    /// <summary>Encodes a client message (<c>[op][payload]</c>).</summary>
    public static byte[] EncodeClient(DaveBinaryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new TlsWriter();
        writer.WriteUInt8((byte)message.Opcode);
        switch (message)
        {
            case KeyPackageMessage kp:
                kp.KeyPackage.Encode(writer);
                break;
            case CommitWelcomeMessage cw:
                cw.Commit.Encode(writer);
                cw.Welcome?.Encode(writer);
                break;
            default:
                throw new ArgumentException($"{message.Opcode} is not a client opcode.", nameof(message));
        }

        return writer.ToArray();
    }

    /// <summary>Encodes a server message (<c>[seq][op][payload]</c>), as a voice gateway would.</summary>
    public static byte[] EncodeServer(DaveServerBinaryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new TlsWriter();
        writer.WriteUInt16(message.Sequence);
        writer.WriteUInt8((byte)message.Opcode);
        switch (message)
        {
            case ExternalSenderPackage es:
                es.ExternalSender.Encode(writer);
                break;
            case ProposalsPackage p:
                writer.WriteUInt8((byte)p.Operation);
                if (p.Operation == ProposalsOperation.Append)
                {
                    writer.WriteVector(p.ProposalMessages, (w, m) => m.Encode(w));
                }
                else
                {
                    writer.WriteVector(p.ProposalRefs, (w, r) => w.WriteOpaque(r));
                }

                break;
            case AnnounceCommitTransition a:
                writer.WriteUInt16(a.TransitionId);
                a.Commit.Encode(writer);
                break;
            case WelcomePackage w:
                writer.WriteUInt16(w.TransitionId);
                w.Welcome.Encode(writer);
                break;
            default:
                throw new ArgumentException($"{message.Opcode} is not a server opcode.", nameof(message));
        }

        return writer.ToArray();
    }

    private static ProposalsPackage ReadProposals(ushort sequence, TlsReader reader)
    {
        var operation = reader.ReadUInt8();
        return operation switch
        {
            0 => ProposalsPackage.Append(sequence, reader.ReadVector(MlsMessage.Decode)),
            1 => ProposalsPackage.Revoke(sequence, reader.ReadVector(r => r.ReadOpaque())),
            _ => throw new DaveDecodeException($"Unknown proposals operation {operation}."),
        };
    }

    private static KeyPackage ReadKeyPackage(TlsReader reader, ReadOnlySpan<byte> message)
    {
        // A bare KeyPackage starts with version (1) then its cipher suite; an MLSMessage with version
        // then wire format 5 (mls_key_package). DAVE's cipher suite is 2, so the two cannot be confused.
        if (message.Length >= 5 && BinaryPrimitives.ReadUInt16BigEndian(message[3..5]) == (ushort)WireFormat.KeyPackage)
        {
            var wrapped = MlsMessage.Decode(reader);
            return wrapped.KeyPackage ?? throw new DaveDecodeException("MLSMessage is not a key package.");
        }

        return KeyPackage.Decode(reader);
    }

    private static T Guard<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (MlsException ex)
        {
            throw new DaveDecodeException("Malformed DAVE binary message: " + ex.Message, ex);
        }
    }
}
