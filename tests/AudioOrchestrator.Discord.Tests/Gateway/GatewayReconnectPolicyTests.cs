using AudioOrchestrator.Discord.Gateway;

namespace AudioOrchestrator.Discord.Tests.Gateway;

public sealed class GatewayReconnectPolicyTests
{
    private static readonly DiscordOptions Options = new()
    {
        Token = "t",
        ReconnectBaseDelay = TimeSpan.FromSeconds(1),
        ReconnectMaxDelay = TimeSpan.FromSeconds(10),
        InvalidSessionMinDelay = TimeSpan.FromSeconds(1),
        InvalidSessionMaxDelay = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void A_connection_that_reached_a_session_reconnects_at_once()
    {
        var policy = new GatewayReconnectPolicy(Options, new Random(1));

        var step = policy.Next(Ended(reachedSession: true), wasResume: false);

        Assert.Equal(new GatewayReconnectStep(TimeSpan.Zero, NewSession: false), step);
    }

    [Fact]
    public void Failures_back_off_exponentially_with_equal_jitter_up_to_the_cap()
    {
        var policy = new GatewayReconnectPolicy(Options, new Random(2));
        var delays = Enumerable.Range(1, 7).Select(_ => policy.Next(Ended(reachedSession: false), wasResume: false).Delay.TotalSeconds).ToArray();

        double[] ceilings = [1, 2, 4, 8, 10, 10, 10];
        for (var i = 0; i < delays.Length; i++)
        {
            Assert.InRange(delays[i], ceilings[i] / 2, ceilings[i]);
        }

        // A session reached resets the count.
        Assert.Equal(TimeSpan.Zero, policy.Next(Ended(reachedSession: true), wasResume: true).Delay);
        Assert.InRange(policy.Next(Ended(reachedSession: false), wasResume: false).Delay.TotalSeconds, 0.5, 1);
    }

    [Fact]
    public void Three_unreachable_resume_urls_in_a_row_start_a_new_session_on_the_gateway_url()
    {
        var policy = new GatewayReconnectPolicy(Options, new Random(3));
        var connectFailed = new GatewayConnectionOutcome(GatewayCloseAction.Resume, "connect failed", null, false, ConnectFailed: true);

        Assert.False(policy.Next(connectFailed, wasResume: true).NewSession);
        Assert.False(policy.Next(connectFailed, wasResume: true).NewSession);
        Assert.True(policy.Next(connectFailed, wasResume: true).NewSession);

        // The count starts again after the new session was chosen, and a failed identify does not count.
        Assert.False(policy.Next(connectFailed, wasResume: true).NewSession);
        Assert.False(policy.Next(connectFailed, wasResume: false).NewSession);
        Assert.False(policy.Next(connectFailed, wasResume: true).NewSession);
        Assert.False(policy.Next(connectFailed, wasResume: true).NewSession);
    }

    [Fact]
    public void An_invalid_session_identifies_anew_after_at_least_its_own_delay()
    {
        var policy = new GatewayReconnectPolicy(Options, new Random(4));
        var minimum = policy.InvalidSessionDelay();
        var invalid = new GatewayConnectionOutcome(GatewayCloseAction.Reidentify, "Invalid Session", null, true, MinimumDelay: minimum);

        var step = policy.Next(invalid, wasResume: true);

        Assert.InRange(minimum.TotalSeconds, 1, 5);
        Assert.True(step.NewSession);
        Assert.Equal(minimum, step.Delay);
    }

    private static GatewayConnectionOutcome Ended(bool reachedSession) =>
        new(GatewayCloseAction.Resume, "closed", 4000, reachedSession);
}
