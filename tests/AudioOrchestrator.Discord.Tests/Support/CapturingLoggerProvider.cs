using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Tests.Support;

/// <summary>Keeps every log line (message, state values, exception) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => _lines.ToArray();

    public string AllText => string.Join('\n', _lines.Select(l => l.ToString()));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record LogLine(string Category, LogLevel Level, EventId EventId, string Message, string State, string? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message} | {State} | {Exception}";
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : state?.ToString() ?? string.Empty;
            owner._lines.Enqueue(new LogLine(category, logLevel, eventId, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

/// <summary>Typed loggers over the capturing provider.</summary>
internal static class LoggerExtensions
{
    public static ILogger<T> For<T>(this CapturingLoggerProvider provider) => new Logger<T>(provider);
}
