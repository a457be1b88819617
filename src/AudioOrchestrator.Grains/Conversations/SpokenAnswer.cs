namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// The audible part of one answer: its sentences in order with where their audio starts (in 20 ms frames), so that
/// after an interruption the turn can record only what was actually said. Playback is estimated from the first
/// published frame at real-time pace.
/// </summary>
public sealed class SpokenAnswer
{
    private const double FrameMs = 20.0;
    private readonly List<(string Text, long FirstFrame, int Frames)> _sentences = [];

    /// <summary>When the first frame was published; null before any audio.</summary>
    public DateTimeOffset? FirstAudioAt { get; private set; }

    /// <summary>Frames published so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Set when the answer was interrupted: the text heard before the interruption.</summary>
    public string? InterruptedText { get; private set; }

    /// <summary>Every sentence published, joined.</summary>
    public string Text => string.Join(' ', _sentences.Select(s => s.Text));

    /// <summary>A sentence's audio was published (<paramref name="frames"/> frames, the first at <paramref name="firstAudioAt"/>).</summary>
    public void Add(string text, int frames, DateTimeOffset firstAudioAt)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (frames <= 0)
        {
            return;
        }

        FirstAudioAt ??= firstAudioAt;
        _sentences.Add((text, Frames, frames));
        Frames += frames;
    }

    /// <summary>How long the published audio plays.</summary>
    public TimeSpan Duration => TimeSpan.FromMilliseconds(Frames * FrameMs);

    /// <summary>Records the interruption after <paramref name="played"/> of audio; returns the text heard.</summary>
    public string Interrupt(TimeSpan played)
    {
        InterruptedText = TextWithin(played);
        return InterruptedText;
    }

    /// <summary>The text heard in the first <paramref name="played"/> of audio: whole sentences, then the started one up to the word reached, marked "…".</summary>
    public string TextWithin(TimeSpan played)
    {
        var playedFrames = played.TotalMilliseconds / FrameMs;
        var heard = new List<string>();
        foreach (var (text, firstFrame, frames) in _sentences)
        {
            if (firstFrame + frames <= playedFrames)
            {
                heard.Add(text);
                continue;
            }

            if (firstFrame < playedFrames)
            {
                var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var reached = (int)Math.Floor(words.Length * (playedFrames - firstFrame) / frames);
                if (reached > 0)
                {
                    heard.Add(string.Join(' ', words.Take(reached)).TrimEnd('.', ',', ';', ':', '!', '?') + "…");
                }
            }

            break;
        }

        return string.Join(' ', heard);
    }
}
