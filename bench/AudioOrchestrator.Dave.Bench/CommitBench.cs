using System.Diagnostics;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Bench;

/// <summary>
/// A member of a 25-member DAVE group processes commits (UpdatePath, external Add or Remove
/// proposal by reference) made by another member; the group alternates between 25 and 26 members.
/// </summary>
internal static class CommitBench
{
    private static readonly CipherSuite Suite = CipherSuite.Get(CipherSuite.P256Aes128Sha256);

    public static (double ProcessMs, double CreateMs) Run(int members, int commits)
    {
        var (gatewayKey, gatewayPublic) = Suite.GenerateSignatureKeyPair();
        var extensions = new[] { ExternalSender.ToExtension([new ExternalSender(gatewayPublic, DaveIdentity.Credential(42))]) };
        var (kpA, keysA) = NewKeyPackage(1);
        var committer = MlsGroup.Create(DaveIdentity.ToBytes(777), kpA, keysA, extensions);
        var (kpB, keysB) = NewKeyPackage(2);
        var adds = new List<KeyPackage> { kpB };
        for (var i = 3; i <= members; i++)
        {
            adds.Add(NewKeyPackage((ulong)i).KeyPackage);
        }

        foreach (var kp in adds)
        {
            committer.HandleProposal(Proposal(committer, gatewayKey, new AddProposal(kp)));
        }

        var initial = committer.CreateCommit();
        committer.MergePendingCommit();
        var receiver = MlsGroup.Join(initial.Welcome!.Welcome!, kpB, keysB);

        var process = new List<double>();
        var create = new List<double>();
        for (var i = 0; i < commits + 2; i++)
        {
            Proposal proposal = i % 2 == 0
                ? new AddProposal(NewKeyPackage((ulong)(1000 + i)).KeyPackage)
                : new RemoveProposal(committer.Tree.FindLeaf(l => DaveIdentity.UserIdOf(l.Credential) == (ulong)(1000 + i - 1))!.Value);
            var message = Proposal(committer, gatewayKey, proposal);
            committer.HandleProposal(message);
            receiver.HandleProposal(message);
            var watch = Stopwatch.StartNew();
            var commit = committer.CreateCommit();
            var createMs = watch.Elapsed.TotalMilliseconds;
            committer.MergePendingCommit();
            watch.Restart();
            receiver.HandleCommit(commit.Commit);
            var processMs = watch.Elapsed.TotalMilliseconds;
            if (i >= 2)
            {
                process.Add(processMs);
                create.Add(createMs);
            }
        }

        if (!receiver.EpochAuthenticator.AsSpan().SequenceEqual(committer.EpochAuthenticator))
        {
            throw new InvalidOperationException("Members disagree on the epoch.");
        }

        process.Sort();
        create.Sort();
        return (process[process.Count / 2], create[create.Count / 2]);
    }

    private static (KeyPackage KeyPackage, KeyPackagePrivateKeys Keys) NewKeyPackage(ulong user) =>
        KeyPackageFactory.Create(Suite, DaveIdentity.Credential(user), Suite.GenerateSignatureKeyPair().PrivateKey);

    private static MlsMessage Proposal(MlsGroup group, byte[] gatewayKey, Proposal proposal)
    {
        var content = new FramedContent(group.GroupId, group.Epoch, Sender.External(0), [], ContentType.Proposal, null, proposal, null);
        return new MlsMessage(WireFormat.PublicMessage, PublicMessage: PublicMessageFraming.Protect(Suite, gatewayKey, content, null, null));
    }
}
