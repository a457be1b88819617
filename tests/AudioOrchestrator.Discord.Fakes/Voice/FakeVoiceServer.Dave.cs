using AudioOrchestrator.Dave.Codec;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Mls.Group;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Discord.Fakes.Voice;

/// <summary>Who commits the external sender's proposals when both a simulated user and the bot could.</summary>
public enum DaveCommitterChoice
{
    /// <summary>A simulated user (our own session or davey) when one is in the group, else the bot.</summary>
    SimulatedUser,

    /// <summary>The bot when it is in the group, else a simulated user.</summary>
    Bot,
}

/// <summary>
/// The fake's DAVE role: the single external sender. A new member's key package becomes an Add proposal, a departed
/// member (user left, bot session ended, or a bot that reported an invalid commit or welcome with opcode 31) a Remove
/// proposal of its leaf; proposals go to the members (opcode 27), one of them commits (a simulated user at once, the bot through
/// opcode 28), the commit is announced (29) to the members and the Welcome (30) to the newcomer, and once every bot
/// said ready (23) the transition executes (22). One transition at a time; later changes wait in a queue. A client
/// reporting opcode 31 is removed and re-added with the fresh key package it sends next (opcode 26).
/// </summary>
public sealed partial class FakeVoiceServer
{
    private readonly List<object> _members = [];
    private readonly Dictionary<object, uint> _leaves = [];
    private readonly Queue<Func<Task>> _waiting = new();
    private readonly List<string> _daveErrors = [];
    private readonly List<ulong> _committers = [];
    private readonly HashSet<(ulong User, DaveOpcode Opcode)> _tamperForUsers = [];
    private readonly HashSet<FakeVoiceUser> _recovering = [];
    private int _tamperCommits;
    private int _tamperWelcomes;
    private int _invalidReports;

    /// <summary>Who commits when both a simulated user and the bot are members.</summary>
    public DaveCommitterChoice PreferredCommitter { get; set; } = DaveCommitterChoice.SimulatedUser;

    /// <summary>Transitions executed so far.</summary>
    public int ExecutedTransitions { get; private set; }

    /// <summary>Opcode 31 reports received from bots and simulated users.</summary>
    public int InvalidCommitWelcomeReports => Volatile.Read(ref _invalidReports);

    /// <summary>User ids of the group's members as the external sender sees them.</summary>
    public IReadOnlyList<ulong> DaveGroupUserIds
    {
        get
        {
            lock (_members)
            {
                return [.. _members.Select(UserIdOf)];
            }
        }
    }

    /// <summary>User id of the member whose commit was announced, per transition.</summary>
    public IReadOnlyList<ulong> Committers
    {
        get
        {
            lock (_committers)
            {
                return [.. _committers];
            }
        }
    }

    /// <summary>What went wrong in the DAVE exchange (a member refused a commit, a committer gave none).</summary>
    public IReadOnlyList<string> DaveErrors
    {
        get
        {
            lock (_daveErrors)
            {
                return [.. _daveErrors];
            }
        }
    }

    /// <summary>Corrupts the next commit announced (opcode 29) to a bot: its last byte (tag or signature) flipped.</summary>
    public void TamperNextCommitToBot() => Interlocked.Increment(ref _tamperCommits);

    /// <summary>Corrupts the next Welcome (opcode 30) sent to a bot: its last byte (encrypted group info) flipped.</summary>
    public void TamperNextWelcomeToBot() => Interlocked.Increment(ref _tamperWelcomes);

    /// <summary>Corrupts the next commit (opcode 29) announced to the simulated user <paramref name="userId"/>; it answers opcode 31 and is re-added.</summary>
    public void TamperNextCommitTo(ulong userId)
    {
        lock (_tamperForUsers)
        {
            _tamperForUsers.Add((userId, DaveOpcode.MlsAnnounceCommitTransition));
        }
    }

    /// <summary>Corrupts the next Welcome (opcode 30) to the simulated user <paramref name="userId"/>; it answers opcode 31 and is re-added.</summary>
    public void TamperNextWelcomeTo(ulong userId)
    {
        lock (_tamperForUsers)
        {
            _tamperForUsers.Add((userId, DaveOpcode.MlsWelcome));
        }
    }

    /// <summary>A simulated user's DAVE member starts (key package, external sender) and asks to be added. Holds <c>_dave</c>.</summary>
    private async Task JoinDaveAsync(FakeVoiceUser user)
    {
        var others = UserIds().Where(u => u != user.UserId).ToList();
        user.KeyPackage = user.WithDave(d =>
        {
            d.OnClientsConnect(others);
            var keyPackage = FirstKeyPackage(d.OnSelectProtocolAck(1));
            d.HandleBinary(DaveBinaryCodec.EncodeServer(new ExternalSenderPackage(0, _externalSender)));
            return keyPackage;
        });
        await AddMemberAsync(user, null).ConfigureAwait(false);
    }

    /// <summary>A simulated user left the channel: the others forget it and its leaf is removed from the group.</summary>
    private async Task LeaveDaveAsync(FakeVoiceUser user)
    {
        await _dave.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var other in Users().Where(u => u.Dave is not null))
            {
                other.WithDave(d => d.OnClientDisconnect(user.UserId));
            }

            await RunOrQueueAsync(() => RemoveMemberAsync(user)).ConfigureAwait(false);
        }
        finally
        {
            _dave.Release();
        }
    }

    /// <summary>
    /// A bot left the channel for good: its session is forgotten (a resume fails with 4006), the users drop it
    /// (Client Disconnect) and the external sender proposes the Remove of its leaf.
    /// </summary>
    public async Task EndSessionAsync(FakeVoiceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        InvalidateSession(session);
        await _dave.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var user in Users().Where(u => u.Dave is not null))
            {
                user.WithDave(d => d.OnClientDisconnect(session.UserId));
            }

            await DropBotAsync(session, null).ConfigureAwait(false);
        }
        finally
        {
            _dave.Release();
        }
    }

    /// <summary>Opcode 31: the bot could not process a commit or welcome; it stops being a member until re-added.</summary>
    private async Task OnInvalidCommitWelcomeAsync(FakeVoiceSession session, ushort transitionId)
    {
        await _dave.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _invalidReports);
            await DropBotAsync(session, transitionId).ConfigureAwait(false);
        }
        finally
        {
            _dave.Release();
        }
    }

    /// <summary>
    /// The bot gets no more commits; the transition in flight (the one it refused, or any when it left) no longer
    /// waits for it; its leaf is removed next. Holds <c>_dave</c>.
    /// </summary>
    private async Task DropBotAsync(FakeVoiceSession session, ushort? transitionId)
    {
        RemoveFromMembers(session);
        if (_pending is not { } pending)
        {
            await RemoveMemberAsync(session).ConfigureAwait(false);
            return;
        }

        _waiting.Enqueue(() => RemoveMemberAsync(session));
        if (transitionId is null || pending.TransitionId == transitionId)
        {
            pending.WaitingFor.Remove(session);
            if (pending.Distributed && pending.WaitingFor.All(pending.Ready.Contains))
            {
                await ExecuteAsync(pending).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A key package arrived (user joined, or a bot's opcode 26). Holds <c>_dave</c>.</summary>
    private async Task AddMemberAsync(FakeVoiceUser? newUser, FakeVoiceSession? newBot)
    {
        object newcomer = (object?)newUser ?? newBot!;
        var keyPackage = newUser?.KeyPackage ?? newBot!.KeyPackage!;
        if (_leaves.ContainsKey(newcomer))
        {
            // A member with a new key package: its old leaf goes first.
            RemoveFromMembers(newcomer);
            await RunOrQueueAsync(() => RemoveMemberAsync(newcomer)).ConfigureAwait(false);
        }

        await RunOrQueueAsync(() => StartAddAsync(newcomer, keyPackage)).ConfigureAwait(false);
    }

    private async Task StartAddAsync(object newcomer, KeyPackage keyPackage)
    {
        List<object> candidates = _epoch > 0
            ? [.. Members()]
            : [.. Users().Where(u => u.KeyPackage is not null), .. _sessions.Values.Where(s => s.KeyPackage is not null && s.Connection is not null)];
        candidates.Remove(newcomer);
        if (candidates.Count == 0)
        {
            return;
        }

        foreach (var user in Users().Where(u => u != newcomer && u.Dave is not null))
        {
            user.WithDave(d => d.OnClientsConnect([UserIdOf(newcomer)]));
        }

        var committer = ChooseCommitter(candidates);
        await ProposeAsync(new AddProposal(keyPackage), _epoch > 0 ? candidates : [committer], committer, newcomer, null).ConfigureAwait(false);
    }

    private async Task RemoveMemberAsync(object leaving)
    {
        if (!_leaves.Remove(leaving, out var leaf))
        {
            return;
        }

        RemoveFromMembers(leaving);
        var members = Members();
        if (members.Count == 0)
        {
            _epoch = 0;
            _leaves.Clear();
            return;
        }

        await ProposeAsync(new RemoveProposal(leaf), members, ChooseCommitter(members), null, leaving).ConfigureAwait(false);
    }

    /// <summary>Sends the external sender's proposal to <paramref name="receivers"/>; a simulated committer's commit is distributed at once.</summary>
    private async Task ProposeAsync(Proposal proposal, IReadOnlyList<object> receivers, object committer, object? newcomer, object? leaving)
    {
        var pending = new PendingTransition(++_nextTransition == 0 ? ++_nextTransition : _nextTransition, committer, newcomer, leaving, committer is FakeVoiceSession);
        _pending = pending;
        var groupId = DaveIdentity.ToBytes(Options.ChannelId);
        var content = new FramedContent(groupId, _epoch, Sender.External(0), [], ContentType.Proposal, null, proposal, null);
        var message = new MlsMessage(WireFormat.PublicMessage, PublicMessage: PublicMessageFraming.Protect(Suite, _externalSenderKey, content, null, null));
        CommitWelcomeMessage? userCommit = null;
        foreach (var receiver in receivers)
        {
            switch (receiver)
            {
                case FakeVoiceUser user:
                    var outgoing = user.WithDave(d => d.HandleBinary(DaveBinaryCodec.EncodeServer(ProposalsPackage.Append(0, [message]))));
                    if (user == committer)
                    {
                        userCommit = outgoing.Select(o => o.Binary).OfType<CommitWelcomeMessage>().FirstOrDefault();
                        if (userCommit is null)
                        {
                            RecordError($"user {user.UserId} did not commit: {user.WithDave(d => d.LastError)}");
                        }
                    }

                    break;
                case FakeVoiceSession bot:
                    await SendBinaryAsync(bot, seq => DaveBinaryCodec.EncodeServer(ProposalsPackage.Append(seq, [message]))).ConfigureAwait(false);
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
        var announceTo = _epoch > 0 ? Members() : [pending.Committer];
        var refused = false;
        _epoch++;
        lock (_committers)
        {
            _committers.Add(UserIdOf(pending.Committer));
        }

        foreach (var member in announceTo)
        {
            switch (member)
            {
                case FakeVoiceUser user:
                    var announce = TamperedFor(user, DaveBinaryCodec.EncodeServer(new AnnounceCommitTransition(0, pending.TransitionId, commit)), out var tamperedCommit);
                    var answer = user.WithDave(d => d.HandleBinary(announce));
                    refused |= OnUserAnswer(user, answer, pending.TransitionId, tamperedCommit);
                    break;
                case FakeVoiceSession bot:
                    pending.WaitingFor.Add(bot);
                    var tamper = TakeTamper(ref _tamperCommits);
                    await SendBinaryAsync(bot, seq => Tampered(DaveBinaryCodec.EncodeServer(new AnnounceCommitTransition(seq, pending.TransitionId, commit)), tamper)).ConfigureAwait(false);
                    break;
            }
        }

        switch (pending.Newcomer)
        {
            case FakeVoiceUser user:
                var welcomeBytes = TamperedFor(user, DaveBinaryCodec.EncodeServer(new WelcomePackage(0, pending.TransitionId, welcome!)), out var tamperedWelcome);
                var answer = user.WithDave(d => d.HandleBinary(welcomeBytes));
                refused |= OnUserAnswer(user, answer, pending.TransitionId, tamperedWelcome);
                break;
            case FakeVoiceSession bot:
                pending.WaitingFor.Add(bot);
                var tamper = TakeTamper(ref _tamperWelcomes);
                await SendBinaryAsync(bot, seq => Tampered(DaveBinaryCodec.EncodeServer(new WelcomePackage(seq, pending.TransitionId, welcome!)), tamper)).ConfigureAwait(false);
                break;
        }

        if (_epoch == 1)
        {
            // The committer's one-member group became the channel's group: it holds leaf 0.
            _leaves.Clear();
            _leaves[pending.Committer] = 0;
            AddToMembers(pending.Committer);
        }

        if (pending.Newcomer is { } newcomer)
        {
            _leaves[newcomer] = LeftmostFreeLeaf();
            AddToMembers(newcomer);
        }

        if (refused)
        {
            // Users that answered opcode 31 leave the member list; their removal and re-addition are queued.
            lock (_members)
            {
                _members.RemoveAll(m => m is FakeVoiceUser u && _recovering.Contains(u));
            }

            _recovering.Clear();
        }

        pending.Distributed = true;
        if (pending.WaitingFor.Count == 0)
        {
            await ExecuteAsync(pending).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(PendingTransition pending)
    {
        foreach (var member in Members())
        {
            switch (member)
            {
                case FakeVoiceUser user:
                    user.WithDave(d => d.HandleJson(DaveJsonCodec.Serialize(new ExecuteTransition(pending.TransitionId), 0)));
                    break;
                case FakeVoiceSession bot:
                    await SendJsonRawAsync(bot, seq => DaveJsonCodec.Serialize(new ExecuteTransition(pending.TransitionId), seq)).ConfigureAwait(false);
                    break;
            }
        }

        _pending = null;
        ExecutedTransitions++;
        while (_pending is null && _waiting.TryDequeue(out var next))
        {
            await next().ConfigureAwait(false);
        }
    }

    private async Task RunOrQueueAsync(Func<Task> change)
    {
        if (_pending is not null)
        {
            _waiting.Enqueue(change);
            return;
        }

        await change().ConfigureAwait(false);
    }

    /// <summary>A simulated user's answer to a commit or welcome: opcode 31 and a key package mean remove and re-add it.</summary>
    private bool OnUserAnswer(FakeVoiceUser user, IReadOnlyList<DaveOutgoing> answer, ushort transitionId, bool tampered)
    {
        if (!answer.Any(o => o.Opcode == DaveOpcode.MlsInvalidCommitWelcome))
        {
            return false;
        }

        Interlocked.Increment(ref _invalidReports);
        if (!tampered)
        {
            RecordError($"user {user.UserId} refused transition {transitionId}: {user.WithDave(d => d.LastError)}");
        }

        var keyPackage = answer.Select(o => o.Binary).OfType<KeyPackageMessage>().Single().KeyPackage;
        user.KeyPackage = keyPackage;
        _recovering.Add(user);
        _waiting.Enqueue(() => RemoveMemberAsync(user));
        _waiting.Enqueue(() => StartAddAsync(user, keyPackage));
        return true;
    }

    private byte[] TamperedFor(FakeVoiceUser user, byte[] message, out bool tampered)
    {
        lock (_tamperForUsers)
        {
            tampered = _tamperForUsers.Remove((user.UserId, (DaveOpcode)message[2]));
        }

        return Tampered(message, tampered);
    }

    private object ChooseCommitter(IReadOnlyList<object> candidates) => PreferredCommitter == DaveCommitterChoice.Bot
        ? candidates.OfType<FakeVoiceSession>().FirstOrDefault() ?? candidates[0]
        : candidates.OfType<FakeVoiceUser>().FirstOrDefault() ?? candidates[0];

    /// <summary>RFC 9420 adds a member at the leftmost blank leaf; removed leaves become blank.</summary>
    private uint LeftmostFreeLeaf()
    {
        var used = _leaves.Values.ToHashSet();
        uint leaf = 0;
        while (used.Contains(leaf))
        {
            leaf++;
        }

        return leaf;
    }

    private List<object> Members()
    {
        lock (_members)
        {
            return [.. _members];
        }
    }

    private void AddToMembers(object member)
    {
        lock (_members)
        {
            if (!_members.Contains(member))
            {
                _members.Add(member);
            }
        }
    }

    private void RemoveFromMembers(object member)
    {
        lock (_members)
        {
            _members.Remove(member);
        }
    }

    private void RecordError(string error)
    {
        lock (_daveErrors)
        {
            _daveErrors.Add(error);
        }
    }

    private static ulong UserIdOf(object member) => member is FakeVoiceUser user ? user.UserId : ((FakeVoiceSession)member).UserId;

    private static bool TakeTamper(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    private static byte[] Tampered(byte[] message, bool tamper)
    {
        if (tamper)
        {
            message[^1] ^= 0x01;
        }

        return message;
    }

    private async Task SendJsonRawAsync(FakeVoiceSession session, Func<int, byte[]> build)
    {
        var (_, data) = session.Stamp(build, binary: false);
        if (session.Connection is { } connection)
        {
            await connection.SendAsync(data, false).ConfigureAwait(false);
        }
    }

    private sealed class PendingTransition(ushort transitionId, object committer, object? newcomer, object? leaving, bool botCommitter)
    {
        public ushort TransitionId { get; } = transitionId;

        public object Committer { get; } = committer;

        public object? Newcomer { get; } = newcomer;

        public object? Leaving { get; } = leaving;

        public bool BotCommitter { get; } = botCommitter;

        public HashSet<FakeVoiceSession> WaitingFor { get; } = [];

        public HashSet<FakeVoiceSession> Ready { get; } = [];

        public bool Distributed { get; set; }
    }
}
