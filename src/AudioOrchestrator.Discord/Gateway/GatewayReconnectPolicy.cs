namespace AudioOrchestrator.Discord.Gateway;

/// <summary>
/// Decides, after each connection ends, how long to wait and whether the next connection resumes or identifies
/// anew: capped exponential backoff with equal jitter while connections fail before reaching a session, at least
/// the outcome's own minimum delay (an invalid session), and a new session after a non-resumable end or after
/// <see cref="MaxFailedResumeConnects"/> resume URLs in a row that could not be reached.
/// </summary>
internal sealed class GatewayReconnectPolicy(DiscordOptions options, Random random)
{
    /// <summary>Connect failures on the resume URL after which the shard identifies on the gateway URL instead.</summary>
    public const int MaxFailedResumeConnects = 3;

    private int _failures;
    private int _failedResumeConnects;

    /// <summary>The next step after a connection that ended with <paramref name="outcome"/>.</summary>
    /// <param name="outcome">How the connection ended (not fatal: a fatal end stops the shard).</param>
    /// <param name="wasResume">The connection tried to resume.</param>
    public GatewayReconnectStep Next(GatewayConnectionOutcome outcome, bool wasResume)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _failures = outcome.ReachedSession ? 0 : _failures + 1;
        _failedResumeConnects = wasResume && outcome.ConnectFailed ? _failedResumeConnects + 1 : 0;
        var newSession = outcome.Action == GatewayCloseAction.Reidentify || _failedResumeConnects >= MaxFailedResumeConnects;
        if (newSession)
        {
            _failedResumeConnects = 0;
        }

        var delay = Backoff(_failures);
        return new GatewayReconnectStep(outcome.MinimumDelay > delay ? outcome.MinimumDelay : delay, newSession);
    }

    /// <summary>The wait Discord asks for after Invalid Session (op 9): a random time between the configured bounds.</summary>
    public TimeSpan InvalidSessionDelay()
    {
        var min = options.InvalidSessionMinDelay.TotalMilliseconds;
        var max = options.InvalidSessionMaxDelay.TotalMilliseconds;
        return TimeSpan.FromMilliseconds(min + ((max - min) * random.NextDouble()));
    }

    private TimeSpan Backoff(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var exponential = options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, options.ReconnectMaxDelay.TotalMilliseconds);

        // "Equal jitter": half fixed, half random, so retries of many shards spread out.
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * random.NextDouble())));
    }
}

/// <summary>How one connection ended.</summary>
/// <param name="Action">Resume, identify anew, or stop (fatal).</param>
/// <param name="Reason">For the log.</param>
/// <param name="CloseCode">The server's close code, if it closed.</param>
/// <param name="ReachedSession">The connection got Ready or Resumed (resets the backoff).</param>
/// <param name="ConnectFailed">The socket could not even be opened.</param>
/// <param name="MinimumDelay">The least time to wait before the next connection.</param>
internal sealed record GatewayConnectionOutcome(
    GatewayCloseAction Action,
    string Reason,
    int? CloseCode,
    bool ReachedSession,
    bool ConnectFailed = false,
    TimeSpan MinimumDelay = default);

/// <summary>What to do next: wait <paramref name="Delay"/>, then connect (identifying anew if <paramref name="NewSession"/>).</summary>
internal readonly record struct GatewayReconnectStep(TimeSpan Delay, bool NewSession);
