using AudioOrchestrator.Discord.Voice;

namespace AudioOrchestrator.Discord.Tests.Voice;

public sealed class SendLatenessHistogramTests
{
    [Fact]
    public void Percentiles_are_bucket_upper_edges_of_the_recorded_lateness()
    {
        var histogram = new SendLatenessHistogram();
        for (var i = 0; i < 98; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(0.05));
        }

        histogram.Record(TimeSpan.FromMilliseconds(5));
        histogram.Record(TimeSpan.FromMilliseconds(5));

        Assert.Equal(0.1, histogram.Percentile(50).TotalMilliseconds, 6);
        Assert.Equal(5.1, histogram.Percentile(99).TotalMilliseconds, 6);
        Assert.Equal(5, histogram.Max.TotalMilliseconds, 6);
    }

    [Fact]
    public void Empty_negative_and_huge_values_are_handled()
    {
        var histogram = new SendLatenessHistogram();
        Assert.Equal(TimeSpan.Zero, histogram.Percentile(99));

        histogram.Record(TimeSpan.FromMilliseconds(-3)); // an early wake-up counts as on time
        histogram.Record(TimeSpan.FromSeconds(3)); // beyond the range: the last bucket

        Assert.Equal(0.1, histogram.Percentile(50).TotalMilliseconds, 6);
        Assert.Equal(100.1, histogram.Percentile(100).TotalMilliseconds, 6);
        Assert.Equal(3000, histogram.Max.TotalMilliseconds, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(101));
    }
}
