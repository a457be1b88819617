using Orleans.Runtime;

namespace AudioOrchestrator.Grains.Tests;

/// <summary>A call that did not reach its target because the target's silo went away is made again (the target activates elsewhere); other errors are not retried.</summary>
public sealed class SiloUnavailableRetryTests
{
    [Fact]
    public async Task A_call_that_met_a_departed_silo_is_made_again_until_it_succeeds()
    {
        var calls = 0;
        await SiloUnavailableRetry.RunAsync(
            () => ++calls < 3 ? throw new SiloUnavailableException("stopping") : Task.CompletedTask, TimeProvider.System, TimeSpan.Zero);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_call_refused_on_its_way_to_a_crashed_silo_is_made_again()
    {
        // Before the crashed silo is declared dead, a call to it is refused (the connection fails), not SiloUnavailable.
        var calls = 0;
        await SiloUnavailableRetry.RunAsync(
            () => ++calls < 2 ? throw Failover.ClusterCallRetryTests.Rejection() : Task.CompletedTask, TimeProvider.System, TimeSpan.Zero);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task After_the_last_attempt_the_error_is_thrown()
    {
        var calls = 0;
        await Assert.ThrowsAsync<SiloUnavailableException>(() => SiloUnavailableRetry.RunAsync(
            () => { calls++; throw new SiloUnavailableException("gone"); }, TimeProvider.System, TimeSpan.Zero));
        Assert.Equal(SiloUnavailableRetry.Attempts, calls);
    }

    [Fact]
    public async Task Other_errors_are_not_retried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => SiloUnavailableRetry.RunAsync(
            () => { calls++; throw new InvalidOperationException("bug"); }, TimeProvider.System, TimeSpan.Zero));
        Assert.Equal(1, calls);
    }
}
