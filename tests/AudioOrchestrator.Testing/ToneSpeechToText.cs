using AudioOrchestrator.Audio;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Testing;

/// <summary>
/// An instant, deterministic speech-to-text double: "hears" a phrase by the pitch of a test tone
/// (e.g. 440 Hz = "echo hello world"). Lets pipeline tests and benchmarks run without speech compute.
/// </summary>
public sealed class ToneSpeechToText(IReadOnlyDictionary<int, string> phrasesByHz) : ISpeechToTextClient
{
    public static IReadOnlyDictionary<int, string> DefaultPhrases { get; } = new Dictionary<int, string>
    {
        [440] = "echo hello world",
        [660] = "what time is it",
        [880] = "sing me a song",
        [1100] = "slow down please",
        [1320] = "hey orchestrator echo wake words work",
        [2400] = "leave the channel",
    };

    public ToneSpeechToText()
        : this(DefaultPhrases)
    {
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<double> _frequencies = new();

    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The pitch of every call's audio, in order (tests running side by side tell their calls apart by it).</summary>
    public IReadOnlyCollection<double> Frequencies => _frequencies;

    /// <summary>How long hearing a phrase takes, by pitch (none: instant), to stand for an engine slowed by load.</summary>
    public IReadOnlyDictionary<int, TimeSpan> Delays { get; init; } = new Dictionary<int, TimeSpan>();

    public async Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audioSpeechStream);
        Interlocked.Increment(ref _calls);
        using var buffer = new MemoryStream();
        await audioSpeechStream.CopyToAsync(buffer, cancellationToken);
        var audio = WavCodec.Decode(buffer.ToArray());
        var frequency = TestAudio.EstimateFrequency(audio);
        _frequencies.Enqueue(frequency);
        var match = phrasesByHz.FirstOrDefault(p => Math.Abs(p.Key - frequency) <= p.Key * 0.08);
        if (match.Value is not null && Delays.TryGetValue(match.Key, out var delay))
        {
            await Task.Delay(delay, cancellationToken);
        }

        return new SpeechToTextResponse(match.Value ?? "");
    }

    public async IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(
        Stream audioSpeechStream, SpeechToTextOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetTextAsync(audioSpeechStream, options, cancellationToken);
        foreach (var update in response.ToSpeechToTextResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
    }
}
