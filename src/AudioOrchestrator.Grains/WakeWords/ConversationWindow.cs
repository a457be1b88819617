namespace AudioOrchestrator.Grains.WakeWords;

/// <summary>
/// The time after an utterance addressed to the assistant in which the same speaker needs no wake phrase. Each
/// accepted utterance extends it. Not thread-safe; one per speaker.
/// </summary>
public sealed class ConversationWindow
{
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;

    public bool IsOpen(DateTimeOffset now) => now < _openUntil;

    /// <summary>Opens (or extends) the window for <paramref name="length"/> from <paramref name="now"/>.</summary>
    public void Extend(DateTimeOffset now, TimeSpan length)
    {
        var until = now + length;
        if (until > _openUntil)
        {
            _openUntil = until;
        }
    }
}
