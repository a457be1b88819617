namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// What a shard needs to resume: the session id, the resume URL and the last sequence number, plus the bot's user
/// id. One lock guards all of it, so a resume never mixes one session's id with another's sequence.
/// </summary>
internal sealed class GatewaySession
{
    private readonly Lock _gate = new();
    private string? _id;
    private Uri? _resumeUrl;
    private long? _sequence;
    private ulong _userId;

    /// <summary>The session id, if a Ready was received.</summary>
    public string? Id
    {
        get
        {
            lock (_gate)
            {
                return _id;
            }
        }
    }

    /// <summary>The resume URL of the session, if any.</summary>
    public Uri? ResumeUrl
    {
        get
        {
            lock (_gate)
            {
                return _resumeUrl;
            }
        }
    }

    /// <summary>The last dispatch sequence number, if any.</summary>
    public long? Sequence
    {
        get
        {
            lock (_gate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>The bot's user id from the last Ready, or 0.</summary>
    public ulong UserId
    {
        get
        {
            lock (_gate)
            {
                return _userId;
            }
        }
    }

    /// <summary>The point to resume from, or null when a new session must be identified.</summary>
    public GatewayResumePoint? ResumePoint
    {
        get
        {
            lock (_gate)
            {
                return _id is not null && _resumeUrl is not null && _sequence is { } sequence
                    ? new GatewayResumePoint(_id, _resumeUrl, sequence)
                    : null;
            }
        }
    }

    /// <summary>Starts a new session from Ready (the sequence goes on from the Ready dispatch itself).</summary>
    public void Start(GatewayReady ready)
    {
        lock (_gate)
        {
            _id = ready.SessionId;
            _resumeUrl = ready.ResumeGatewayUrl;
            _userId = ready.UserId;
        }
    }

    /// <summary>Records the sequence number of a dispatch.</summary>
    public void Observe(long sequence)
    {
        lock (_gate)
        {
            _sequence = sequence;
        }
    }

    /// <summary>Forgets the session: the next connection identifies anew.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _id = null;
            _resumeUrl = null;
            _sequence = null;
        }
    }
}

/// <summary>Where and how a shard resumes: session id, resume URL and the last sequence it saw.</summary>
internal sealed record GatewayResumePoint(string SessionId, Uri ResumeUrl, long Sequence);
