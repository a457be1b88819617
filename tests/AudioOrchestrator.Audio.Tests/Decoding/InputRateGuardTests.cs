namespace AudioOrchestrator.Audio.Tests.Decoding;

public sealed class InputRateGuardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Real_time_audio_is_never_dropped()
    {
        var guard = new InputRateGuard(new UtteranceDecoderOptions());

        for (var batch = 0; batch < 1000; batch++)
        {
            Assert.Equal(0, guard.Admit(5, T0 + TimeSpan.FromMilliseconds(batch * 100)));
        }

        Assert.Equal(0, guard.Dropped);
    }

    [Fact]
    public void A_burst_up_to_the_allowance_passes_and_the_excess_is_dropped_oldest_first()
    {
        var guard = new InputRateGuard(new UtteranceDecoderOptions { MaxBurstMs = 1000 });

        Assert.Equal(0, guard.Admit(50, T0));
        Assert.Equal(10, guard.Admit(10, T0));
        Assert.Equal(5, guard.Admit(10, T0 + TimeSpan.FromMilliseconds(100))); // 100 ms x 1.1 = 5 packets of credit
        Assert.Equal(15, guard.Dropped);
    }

    [Fact]
    public void A_speaker_sending_ten_times_real_time_keeps_about_real_time()
    {
        var guard = new InputRateGuard(new UtteranceDecoderOptions());
        var admitted = 0;
        for (var batch = 0; batch < 1000; batch++)
        {
            admitted += 50 - guard.Admit(50, T0 + TimeSpan.FromMilliseconds(batch * 100));
        }

        // 100 s of wall time: 1.1 x 5000 packets plus the 50-packet burst allowance.
        Assert.InRange(admitted, 5400, 5600);
        Assert.Equal(50_000 - admitted, guard.Dropped);
    }

    [Fact]
    public void A_clock_going_backwards_adds_no_credit()
    {
        var guard = new InputRateGuard(new UtteranceDecoderOptions { MaxBurstMs = 100 });
        Assert.Equal(0, guard.Admit(5, T0));

        Assert.Equal(5, guard.Admit(5, T0 - TimeSpan.FromSeconds(10)));
        Assert.Equal(5, guard.Admit(5, T0));
    }
}
