using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>
/// The fake's DAVE role: the single external sender. New members' key packages become Add proposals sent to
/// a committer (a simulated user when there is one, else the bot); the commit is announced (op 29) to the
/// members, the Welcome (op 30) to the newcomer, and once every bot said ready (op 23) the transition executes (op 22).
/// </summary>
public sealed partial class FakeVoiceServer
{
    private readonly List<object> _members = [];
    private readonly Queue<(FakeVoiceUser? User, FakeVoiceSession? Bot)> _waiting = new();

    /// <summary>Transitions executed so far.</summary>
    public int ExecutedTransitions { get; private set; }

    private async Task AddMemberAsync(FakeVoiceUser? newUser, FakeVoiceSession? newBot)
    {
        if (_pending is not null)
        {
            _waiting.Enqueue((newUser, newBot));
            return;
        }

        object newcomer = (object?)newUser ?? newBot!;
        var keyPackage = newUser?.KeyPackage ?? newBot!.KeyPackage!;
        List<object> candidates = _epoch > 0
            ? [.. _members]
            : [.. Users().Where(u => u != newUser && u.KeyPackage is not null), .. _sessions.Values.Where(s => s != newBot && s.KeyPackage is not null && s.Connection is not null)];
        candidates.Remove(newcomer);
        if (candidates.Count == 0)
        {
            return;
        }

        var committer = candidates.OfType<FakeVoiceUser>().FirstOrDefault() ?? candidates[0];
        var pending = new PendingTransition(++_nextTransition == 0 ? ++_nextTransition : _nextTransition, committer, newcomer, committer is FakeVoiceSession);
        _pending = pending;
        var groupId = DaveIdentity.ToBytes(Options.ChannelId);
        var content = new FramedContent(groupId, _epoch, Sender.External(0), [], ContentType.Proposal, null, new AddProposal(keyPackage), null);
        var proposal = new MlsMessage(WireFormat.PublicMessage, PublicMessage: PublicMessageFraming.Protect(Suite, _externalSenderKey, content, null, null));
        var receivers = _epoch > 0 ? candidates : [committer];
        CommitWelcomeMessage? userCommit = null;
        foreach (var receiver in receivers)
        {
            switch (receiver)
            {
                case FakeVoiceUser user:
                    var outgoing = user.WithDave(s => s.HandleBinary(DaveBinaryCodec.EncodeServer(ProposalsPackage.Append(0, [proposal]))));
                    if (user == committer)
                    {
                        userCommit = (CommitWelcomeMessage)DaveBinaryCodec.ParseClient(outgoing.Single(o => o.Opcode == DaveOpcode.MlsCommitWelcome).Encode());
                    }

                    break;
                case FakeVoiceSession bot:
                    await SendBinaryAsync(bot, seq => DaveBinaryCodec.EncodeServer(ProposalsPackage.Append(seq, [proposal]))).ConfigureAwait(false);
                    break;
            }
        }

        if (userCommit is not null)
        {
            await DistributeAsync(pending, userCommit.Commit, userCommit.Welcome).ConfigureAwait(false);
        }
    }

    private async Task DistributeAsync(PendingTransition pending, MlsMessage commit, Welcome? welcome)
    {
        var announceTo = _epoch > 0 ? [.. _members] : new List<object> { pending.Committer };
        _epoch++;
        foreach (var member in announceTo)
        {
            switch (member)
            {
                case FakeVoiceUser user:
                    user.WithDave(s => s.HandleBinary(DaveBinaryCodec.EncodeServer(new AnnounceCommitTransition(0, pending.TransitionId, commit))));
                    break;
                case FakeVoiceSession bot:
                    pending.WaitingFor.Add(bot);
                    await SendBinaryAsync(bot, seq => DaveBinaryCodec.EncodeServer(new AnnounceCommitTransition(seq, pending.TransitionId, commit))).ConfigureAwait(false);
                    break;
            }
        }

        switch (pending.Newcomer)
        {
            case FakeVoiceUser user:
                user.WithDave(s => s.HandleBinary(DaveBinaryCodec.EncodeServer(new WelcomePackage(0, pending.TransitionId, welcome!))));
                break;
            case FakeVoiceSession bot:
                pending.WaitingFor.Add(bot);
                await SendBinaryAsync(bot, seq => DaveBinaryCodec.EncodeServer(new WelcomePackage(seq, pending.TransitionId, welcome!))).ConfigureAwait(false);
                break;
        }

        if (!_members.Contains(pending.Committer))
        {
            _members.Add(pending.Committer);
        }

        _members.Add(pending.Newcomer);
        pending.Distributed = true;
        if (pending.WaitingFor.Count == 0)
        {
            await ExecuteAsync(pending).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(PendingTransition pending)
    {
        foreach (var member in _members)
        {
            switch (member)
            {
                case FakeVoiceUser user:
                    user.WithDave(s => s.HandleJson(DaveJsonCodec.Serialize(new ExecuteTransition(pending.TransitionId), 0)));
                    break;
                case FakeVoiceSession bot:
                    await SendJsonRawAsync(bot, seq => DaveJsonCodec.Serialize(new ExecuteTransition(pending.TransitionId), seq)).ConfigureAwait(false);
                    break;
            }
        }

        _pending = null;
        ExecutedTransitions++;
        if (_waiting.TryDequeue(out var next))
        {
            await AddMemberAsync(next.User, next.Bot).ConfigureAwait(false);
        }
    }

    private async Task SendJsonRawAsync(FakeVoiceSession session, Func<int, byte[]> build)
    {
        var (_, data) = session.Stamp(build, binary: false);
        if (session.Connection is { } connection)
        {
            await connection.SendAsync(data, false).ConfigureAwait(false);
        }
    }

    private sealed class PendingTransition(ushort transitionId, object committer, object newcomer, bool botCommitter)
    {
        public ushort TransitionId { get; } = transitionId;

        public object Committer { get; } = committer;

        public object Newcomer { get; } = newcomer;

        public bool BotCommitter { get; } = botCommitter;

        public HashSet<FakeVoiceSession> WaitingFor { get; } = [];

        public HashSet<FakeVoiceSession> Ready { get; } = [];

        public bool Distributed { get; set; }
    }
}
