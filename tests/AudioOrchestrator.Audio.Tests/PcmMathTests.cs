namespace AudioOrchestrator.Audio.Tests;

public sealed class PcmMathTests
{
    [Fact]
    public void Downmix_averages_channels()
    {
        var mono = new short[2];

        PcmMath.Downmix([100, 300, -32768, -32768], 2, mono);

        Assert.Equal(new short[] { 200, -32768 }, mono);
    }

    [Fact]
    public void Downmix_handles_many_channels()
    {
        var mono = new short[2];

        PcmMath.Downmix([10, 20, 30, 40, 50, 60, -6, -6, -6, -6, -6, -6], 6, mono);

        Assert.Equal(new short[] { 35, -6 }, mono);
    }

    [Fact]
    public void Downmix_rejects_partial_frames_and_short_output()
    {
        Assert.Throws<ArgumentException>(() => PcmMath.Downmix(new short[5], 2, new short[4]));
        Assert.Throws<ArgumentException>(() => PcmMath.Downmix(new short[6], 2, new short[2]));
    }

    [Fact]
    public void MonoToStereo_duplicates_samples()
    {
        var stereo = new short[6];

        PcmMath.MonoToStereo([1, -2, 3], stereo);

        Assert.Equal(new short[] { 1, 1, -2, -2, 3, 3 }, stereo);
    }

    [Fact]
    public void RmsDbfs_of_silence_and_empty_is_minus_120()
    {
        Assert.Equal(-120, PcmMath.RmsDbfs(new short[320]));
        Assert.Equal(-120, PcmMath.RmsDbfs([]));
    }

    [Fact]
    public void RmsDbfs_of_full_scale_square_is_zero_and_half_scale_is_minus_6()
    {
        Assert.Equal(0, PcmMath.RmsDbfs([-32768, -32768]), 3);
        Assert.Equal(-6.02, PcmMath.RmsDbfs([16384, -16384, 16384, -16384]), 2);
    }

    [Fact]
    public void RmsDbfs_of_sine_is_amplitude_minus_3_db()
    {
        var sine = Support.Signals.Sine(1000, 16000, 1600, amplitude: 0.1);

        Assert.Equal(-23.01, PcmMath.RmsDbfs(sine), 1);
    }
}
