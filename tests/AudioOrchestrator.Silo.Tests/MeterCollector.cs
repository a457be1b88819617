using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>A meter factory of its own and the measurements of one histogram made through it.</summary>
public sealed class MeterCollector : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<double> _values = new();

    public MeterCollector(string instrument)
    {
        _services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider();
        Factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Name == instrument && published.Meter.Scope == Factory)
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _values.Enqueue(value));
        _listener.Start();
    }

    public IMeterFactory Factory { get; }

    public IReadOnlyCollection<double> Values => _values;

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
