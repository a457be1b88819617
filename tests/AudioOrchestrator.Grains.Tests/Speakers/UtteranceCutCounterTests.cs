using System.Diagnostics.Metrics;
using AudioOrchestrator.Grains.Speakers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Grains.Tests.Speakers;

/// <summary>An utterance cut because its speaker's grain stopped is counted (tag reason), never dropped silently.</summary>
public sealed class UtteranceCutCounterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<(long Value, string? Reason)> _cuts = [];
    private readonly UtteranceCutCounter _counter;

    public UtteranceCutCounterTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _counter = new UtteranceCutCounter(new PipelineMetrics(factory), NullLogger.Instance);
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == "audioorchestrator.speaker.utterances_cut")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                reason = tag.Key == "reason" ? tag.Value as string : reason;
            }

            _cuts.Add((value, reason));
        });
        _listener.Start();
    }

    [Fact]
    public void A_deactivation_with_inputs_inside_an_utterance_counts_each_of_them()
    {
        Assert.Equal(2, _counter.OnDeactivating("s/u", inputsInSpeech: 2, "ShuttingDown"));
        Assert.Equal([(2L, UtteranceCutCounter.Deactivated)], _cuts);
    }

    [Fact]
    public void A_deactivation_between_utterances_counts_nothing()
    {
        Assert.Equal(0, _counter.OnDeactivating("s/u", inputsInSpeech: 0, "ShuttingDown"));
        Assert.Empty(_cuts);
    }

    [Fact]
    public void An_upload_reaching_a_new_activation_after_its_first_frame_is_counted_as_resumed()
    {
        Assert.True(_counter.OnInputOpened("s/u", isLive: false, firstSequence: 8, "c1"));
        Assert.Equal([(1L, UtteranceCutCounter.Resumed)], _cuts);
    }

    [Fact]
    public void An_upload_from_its_first_frame_and_live_audio_are_not_cuts()
    {
        Assert.False(_counter.OnInputOpened("s/u", isLive: false, firstSequence: 0, "c1"));
        Assert.False(_counter.OnInputOpened("s/u", isLive: true, firstSequence: 41_000, null));
        Assert.Empty(_cuts);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
