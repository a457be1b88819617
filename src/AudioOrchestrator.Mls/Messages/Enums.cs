namespace AudioOrchestrator.Mls.Messages;

/// <summary><c>WireFormat</c> (RFC 9420 §6).</summary>
public enum WireFormat : ushort
{
    PublicMessage = 1,
    PrivateMessage = 2,
    Welcome = 3,
    GroupInfo = 4,
    KeyPackage = 5,
}

/// <summary><c>ContentType</c> (RFC 9420 §6).</summary>
public enum ContentType : byte
{
    Application = 1,
    Proposal = 2,
    Commit = 3,
}

/// <summary><c>SenderType</c> (RFC 9420 §6).</summary>
public enum SenderType : byte
{
    Member = 1,
    External = 2,
    NewMemberProposal = 3,
    NewMemberCommit = 4,
}

/// <summary><c>LeafNodeSource</c> (RFC 9420 §7.2).</summary>
public enum LeafNodeSource : byte
{
    KeyPackage = 1,
    Update = 2,
    Commit = 3,
}

/// <summary><c>ProposalType</c> (RFC 9420 §12.1).</summary>
public enum ProposalType : ushort
{
    Add = 1,
    Update = 2,
    Remove = 3,
    PreSharedKey = 4,
    ReInit = 5,
    ExternalInit = 6,
    GroupContextExtensions = 7,
}

/// <summary><c>CredentialType</c> (RFC 9420 §5.3).</summary>
public enum CredentialType : ushort
{
    Basic = 1,
    X509 = 2,
}

internal static class EnumCodec
{
    public static T Check<T>(int value, int min, int max, string what)
        where T : struct, Enum
    {
        if (value < min || value > max)
        {
            throw new MlsDecodeException($"Invalid {what} {value}.");
        }

        return (T)Enum.ToObject(typeof(T), value);
    }
}
