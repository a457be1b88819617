using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Schedule;

namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>Proposal</c> (RFC 9420 §12.1).</summary>
public abstract record Proposal : ITlsEncodable, ITlsDecodable<Proposal>
{
    public abstract ProposalType Type { get; }

    public static Proposal Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = EnumCodec.Check<ProposalType>(reader.ReadUInt16(), 1, 7, "proposal type");
        return type switch
        {
            ProposalType.Add => new AddProposal(KeyPackage.Decode(reader)),
            ProposalType.Update => new UpdateProposal(LeafNode.Decode(reader)),
            ProposalType.Remove => new RemoveProposal(reader.ReadUInt32()),
            ProposalType.PreSharedKey => new PreSharedKeyProposal(PreSharedKeyId.Decode(reader)),
            ProposalType.ReInit => ReInitProposal.DecodeBody(reader),
            ProposalType.ExternalInit => new ExternalInitProposal(reader.ReadOpaque()),
            _ => new GroupContextExtensionsProposal(Extension.DecodeList(reader)),
        };
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt16((ushort)Type);
        EncodeBody(writer);
    }

    /// <summary>Writes the proposal body without its type.</summary>
    public abstract void EncodeBody(TlsWriter writer);
}

/// <summary><c>Add</c>.</summary>
public sealed record AddProposal(KeyPackage KeyPackage) : Proposal
{
    public override ProposalType Type => ProposalType.Add;

    public override void EncodeBody(TlsWriter writer) => KeyPackage.Encode(writer);
}

/// <summary><c>Update</c>.</summary>
public sealed record UpdateProposal(LeafNode LeafNode) : Proposal
{
    public override ProposalType Type => ProposalType.Update;

    public override void EncodeBody(TlsWriter writer) => LeafNode.Encode(writer);
}

/// <summary><c>Remove</c>.</summary>
public sealed record RemoveProposal(uint Removed) : Proposal
{
    public override ProposalType Type => ProposalType.Remove;

    public override void EncodeBody(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(Removed);
    }
}

/// <summary><c>PreSharedKey</c>.</summary>
public sealed record PreSharedKeyProposal(PreSharedKeyId Psk) : Proposal
{
    public override ProposalType Type => ProposalType.PreSharedKey;

    public override void EncodeBody(TlsWriter writer) => Psk.Encode(writer);
}

/// <summary><c>ReInit</c>.</summary>
public sealed record ReInitProposal(byte[] GroupId, ushort Version, ushort CipherSuite, IReadOnlyList<Extension> Extensions) : Proposal
{
    public override ProposalType Type => ProposalType.ReInit;

    public override void EncodeBody(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(GroupId);
        writer.WriteUInt16(Version);
        writer.WriteUInt16(CipherSuite);
        Extension.EncodeList(writer, Extensions);
    }

    internal static ReInitProposal DecodeBody(TlsReader reader) =>
        new(reader.ReadOpaque(), reader.ReadUInt16(), reader.ReadUInt16(), Extension.DecodeList(reader));
}

/// <summary><c>ExternalInit</c>.</summary>
public sealed record ExternalInitProposal(byte[] KemOutput) : Proposal
{
    public override ProposalType Type => ProposalType.ExternalInit;

    public override void EncodeBody(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(KemOutput);
    }
}

/// <summary><c>GroupContextExtensions</c>.</summary>
public sealed record GroupContextExtensionsProposal(IReadOnlyList<Extension> Extensions) : Proposal
{
    public override ProposalType Type => ProposalType.GroupContextExtensions;

    public override void EncodeBody(TlsWriter writer) => Extension.EncodeList(writer, Extensions);
}

/// <summary><c>ProposalOrRef</c> (RFC 9420 §12.4): exactly one of the two is set.</summary>
public sealed record ProposalOrRef(Proposal? Proposal, byte[]? Reference) : ITlsEncodable, ITlsDecodable<ProposalOrRef>
{
    public static ProposalOrRef Decode(TlsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = reader.ReadUInt8();
        return type switch
        {
            1 => new ProposalOrRef(Proposal.Decode(reader), null),
            2 => new ProposalOrRef(null, reader.ReadOpaque()),
            _ => throw new MlsDecodeException($"Invalid ProposalOrRef type {type}."),
        };
    }

    public void Encode(TlsWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (Proposal is not null)
        {
            writer.WriteUInt8(1);
            Proposal.Encode(writer);
        }
        else
        {
            writer.WriteUInt8(2);
            writer.WriteOpaque(Reference ?? throw new InvalidOperationException("Empty ProposalOrRef."));
        }
    }
}
