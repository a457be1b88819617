namespace AudioOrchestrator.Contracts;

/// <summary>Identifies one speaker within one session (a Discord voice channel, a browser tab, a REST client).</summary>
[GenerateSerializer, Immutable]
public sealed record SpeakerRef([property: Id(0)] string SessionId, [property: Id(1)] string SpeakerId)
{
    private const char Separator = '/';

    /// <summary>The key of the speaker's audio-in stream and of its <c>ISpeakerGrain</c>.</summary>
    public string StreamKey => string.Concat(SessionId, Separator.ToString(), SpeakerId);

    /// <summary>Parses a stream key produced by <see cref="StreamKey"/>.</summary>
    public static SpeakerRef Parse(string streamKey)
    {
        ArgumentNullException.ThrowIfNull(streamKey);
        var index = streamKey.IndexOf(Separator, StringComparison.Ordinal);
        if (index <= 0 || index == streamKey.Length - 1)
        {
            throw new FormatException($"'{streamKey}' is not a speaker stream key of the form '<session>/<speaker>'.");
        }

        return new SpeakerRef(streamKey[..index], streamKey[(index + 1)..]);
    }
}
