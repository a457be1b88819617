using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Codec;

/// <summary>A binary DAVE message (opcodes 25 to 30).</summary>
public abstract record DaveBinaryMessage
{
    /// <summary>The opcode byte of this message.</summary>
    public abstract DaveOpcode Opcode { get; }
}

/// <summary>A binary message sent by the voice gateway; it carries the gateway's sequence number.</summary>
public abstract record DaveServerBinaryMessage(ushort Sequence) : DaveBinaryMessage;

/// <summary>Opcode 25: the voice gateway's external sender.</summary>
public sealed record ExternalSenderPackage(ushort Sequence, ExternalSender ExternalSender) : DaveServerBinaryMessage(Sequence)
{
    public override DaveOpcode Opcode => DaveOpcode.MlsExternalSenderPackage;
}

/// <summary>
/// Opcode 27: proposals to append (<see cref="ProposalMessages"/>, each an <c>MLSMessage</c>) or
/// proposal references to revoke (<see cref="ProposalRefs"/>); the list of the other operation is empty.
/// </summary>
public sealed record ProposalsPackage(
    ushort Sequence,
    ProposalsOperation Operation,
    IReadOnlyList<MlsMessage> ProposalMessages,
    IReadOnlyList<byte[]> ProposalRefs) : DaveServerBinaryMessage(Sequence)
{
    public override DaveOpcode Opcode => DaveOpcode.MlsProposals;

    /// <summary>An append of proposal messages.</summary>
    public static ProposalsPackage Append(ushort sequence, IReadOnlyList<MlsMessage> messages) => new(sequence, ProposalsOperation.Append, messages, []);

    /// <summary>A revocation of proposal references.</summary>
    public static ProposalsPackage Revoke(ushort sequence, IReadOnlyList<byte[]> refs) => new(sequence, ProposalsOperation.Revoke, [], refs);
}

/// <summary>Opcode 29: the commit moving the group to the next epoch, and its transition id.</summary>
public sealed record AnnounceCommitTransition(ushort Sequence, ushort TransitionId, MlsMessage Commit) : DaveServerBinaryMessage(Sequence)
{
    public override DaveOpcode Opcode => DaveOpcode.MlsAnnounceCommitTransition;
}

/// <summary>Opcode 30: a Welcome into the group, and its transition id.</summary>
public sealed record WelcomePackage(ushort Sequence, ushort TransitionId, Welcome Welcome) : DaveServerBinaryMessage(Sequence)
{
    public override DaveOpcode Opcode => DaveOpcode.MlsWelcome;
}

/// <summary>
/// Opcode 26 (client): our key package. It is written as a bare RFC 9420 <c>KeyPackage</c>, as
/// libdave and davey send it; the decoder also accepts one wrapped in an <c>MLSMessage</c>.
/// </summary>
public sealed record KeyPackageMessage(KeyPackage KeyPackage) : DaveBinaryMessage
{
    public override DaveOpcode Opcode => DaveOpcode.MlsKeyPackage;
}

/// <summary>Opcode 28 (client): our commit (an <c>MLSMessage</c>) and, when it adds members, a bare <c>Welcome</c>.</summary>
public sealed record CommitWelcomeMessage(MlsMessage Commit, Welcome? Welcome) : DaveBinaryMessage
{
    public override DaveOpcode Opcode => DaveOpcode.MlsCommitWelcome;
}
