namespace AudioOrchestrator.Speech;

/// <summary>
/// One provider's breaker: closed while it succeeds; open for <see cref="CircuitBreakerOptions.BreakDuration"/> after
/// <see cref="CircuitBreakerOptions.FailureThreshold"/> failures in a row; then one request probes it (half-open).
/// </summary>
internal sealed class CircuitBreaker(CircuitBreakerOptions options)
{
    private readonly Lock _gate = new();
    private int _failures;
    private bool _probing;

    public DateTimeOffset OpenUntil { get; private set; } = DateTimeOffset.MinValue;

    public bool IsOpen(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _failures >= options.FailureThreshold && (now < OpenUntil || _probing);
        }
    }

    public bool TryEnter(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_failures < options.FailureThreshold)
            {
                return true;
            }

            if (now < OpenUntil || _probing)
            {
                return false;
            }

            _probing = true; // half-open: this request probes
            return true;
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            _failures = 0;
            _probing = false;
        }
    }

    /// <summary>Records a failure; true when it opened the circuit.</summary>
    public bool Failed(DateTimeOffset now)
    {
        lock (_gate)
        {
            _failures++;
            var opens = _failures >= options.FailureThreshold;
            if (opens)
            {
                OpenUntil = now + options.BreakDuration;
            }

            _probing = false;
            return opens;
        }
    }
}
