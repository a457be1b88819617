namespace AudioOrchestrator.Dave.Codec;

/// <summary>Voice gateway opcodes of the DAVE protocol (protocol.md, "Voice Gateway Opcodes").</summary>
public enum DaveOpcode : byte
{
    /// <summary>JSON, server: a protocol transition (e.g. a downgrade to version 0) is upcoming.</summary>
    PrepareTransition = 21,

    /// <summary>JSON, server: execute a previously announced transition.</summary>
    ExecuteTransition = 22,

    /// <summary>JSON, client: ready for a previously announced transition.</summary>
    ReadyForTransition = 23,

    /// <summary>JSON, server: a protocol version or group change is upcoming (epoch 1 = new group).</summary>
    PrepareEpoch = 24,

    /// <summary>Binary, server: the voice gateway's external sender (credential and signature key).</summary>
    MlsExternalSenderPackage = 25,

    /// <summary>Binary, client: our key package.</summary>
    MlsKeyPackage = 26,

    /// <summary>Binary, server: proposals to append, or proposal references to revoke.</summary>
    MlsProposals = 27,

    /// <summary>Binary, client: our commit and, when it adds members, a Welcome.</summary>
    MlsCommitWelcome = 28,

    /// <summary>Binary, server: the winning commit of the epoch with its transition id.</summary>
    MlsAnnounceCommitTransition = 29,

    /// <summary>Binary, server: a Welcome into the group with its transition id.</summary>
    MlsWelcome = 30,

    /// <summary>JSON, client: flag an unprocessable commit or welcome and ask to be re-added.</summary>
    MlsInvalidCommitWelcome = 31,
}

/// <summary>Operation of the proposals opcode (27).</summary>
public enum ProposalsOperation : byte
{
    Append = 0,
    Revoke = 1,
}
