namespace AudioOrchestrator.Speech;

/// <summary>A language model did not answer (after its retries); <see cref="Exception.Message"/> says why, in words for the turn record.</summary>
public sealed class LanguageModelException : Exception
{
    public LanguageModelException()
    {
    }

    public LanguageModelException(string message)
        : base(message)
    {
    }

    public LanguageModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when no provider could even be asked: every one failed or is kept out by its circuit breaker.</summary>
    public bool NoProviderAvailable { get; init; }
}
