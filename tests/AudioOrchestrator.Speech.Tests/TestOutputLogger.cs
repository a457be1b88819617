using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Speech.Tests;

/// <summary>Writes log messages to the output of the test that is currently running.</summary>
public sealed class TestOutputLogger<T> : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var output = TestContext.Current.TestOutputHelper;
        if (output is null)
        {
            return;
        }

        try
        {
            output.WriteLine($"[{logLevel}] {typeof(T).Name}: {formatter(state, exception)}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }
}
