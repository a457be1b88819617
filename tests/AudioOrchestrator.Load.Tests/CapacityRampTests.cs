using AudioOrchestrator.Load;

namespace AudioOrchestrator.Load.Tests;

public sealed class CapacityRampTests
{
    private static StepFigures Held(int speakers = 20) => new(speakers, TurnsAnswered: 40, TurnsUnanswered: 0, DroppedFrames: 0, OverheadMsP99: 12, InputLagEarlyMs: 700, InputLagLateMs: 720);

    [Fact]
    public void A_step_with_every_turn_answered_in_time_holds_and_the_ramp_goes_on()
    {
        var verdict = CapacityRamp.Judge(Held());
        Assert.True(verdict.Held, string.Join("; ", verdict.Reasons));
        Assert.Equal(30, CapacityRamp.Next(verdict, 20, 10, 400));
        Assert.Equal(25, CapacityRamp.Next(verdict, 20, 10, 25));
        Assert.Null(CapacityRamp.Next(verdict, 25, 10, 25));
    }

    [Theory]
    [InlineData("dropped")]
    [InlineData("stalled")]
    [InlineData("overhead")]
    [InlineData("backlog")]
    [InlineData("unanswered")]
    [InlineData("silent")]
    public void A_step_that_loses_real_time_stops_the_ramp(string how)
    {
        var step = how switch
        {
            "dropped" => Held() with { DroppedFrames = 3 },
            "stalled" => Held() with { DroppedFrames = -1 },
            "overhead" => Held() with { OverheadMsP99 = 20.5 },
            "backlog" => Held() with { InputLagLateMs = 850 },
            "unanswered" => Held() with { TurnsUnanswered = 2 },
            _ => Held() with { TurnsAnswered = 0 },
        };
        var verdict = CapacityRamp.Judge(step);
        Assert.False(verdict.Held);
        Assert.Single(verdict.Reasons);
        Assert.Null(CapacityRamp.Next(verdict, 20, 10, 400));
    }

    [Fact]
    public void No_overhead_measured_is_not_real_time()
    {
        var verdict = CapacityRamp.Judge(Held() with { OverheadMsP99 = double.NaN });
        Assert.False(verdict.Held);
    }

    [Fact]
    public void The_overhead_budget_can_be_widened_from_the_command_line()
    {
        var step = Held() with { OverheadMsP99 = 120 };
        Assert.False(CapacityRamp.Judge(step).Held);
        Assert.True(CapacityRamp.Judge(step, LoadOptions.Parse(["--max-overhead-ms", "250"]).MaxOverheadMs).Held);
    }

    [Fact]
    public void One_unanswered_turn_in_a_hundred_is_tolerated()
    {
        Assert.True(CapacityRamp.Judge(Held() with { TurnsAnswered = 99, TurnsUnanswered = 1 }).Held);
    }
}
