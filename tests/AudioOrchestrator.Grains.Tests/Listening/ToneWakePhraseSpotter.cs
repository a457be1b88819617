using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>
/// The spotter for the tone doubles: "hears" the wake phrase once 200 ms of the 1320 Hz tone (the tone of
/// "hey orchestrator echo wake words work") have been fed. The real spotter is tested on speech in the speech tests.
/// </summary>
public sealed class ToneWakePhraseSpotter : IWakePhraseSpotter
{
    public const int WakeToneHz = 1320;
    private int _started;

    public int Started => Volatile.Read(ref _started);

    public IWakePhraseSpotting? Start(IReadOnlyList<string> phrases)
    {
        Interlocked.Increment(ref _started);
        return new Pass(phrases[0]);
    }

    private sealed class Pass(string phrase) : IWakePhraseSpotting
    {
        private readonly List<short> _loud = [];
        private long _samples;

        public TimeSpan Position => TimeSpan.FromSeconds(_samples / 16000.0);

        public WakePhraseSpot? Spot { get; private set; }

        public WakePhraseSpot? Process(ReadOnlySpan<short> pcm16kMono)
        {
            _samples += pcm16kMono.Length;
            if (Spot is null && PcmMath.RmsDbfs(pcm16kMono) > -30)
            {
                _loud.AddRange(pcm16kMono);
                if (_loud.Count >= 3200
                    && Math.Abs(TestAudio.EstimateFrequency(new PcmAudio([.. _loud], 16000, 1)) - WakeToneHz) < WakeToneHz * 0.05)
                {
                    Spot = new WakePhraseSpot(phrase, Position);
                }
            }

            return Spot;
        }

        public void Dispose()
        {
        }
    }
}
