namespace AudioOrchestrator.Audio;

/// <summary>Two-threshold speech state: on at or above <c>on</c>, off below <c>off</c> (off ≤ on).</summary>
internal struct SpeechHysteresis(float on, float off)
{
    public bool InSpeech { get; private set; }

    public bool Update(float probability)
    {
        InSpeech = InSpeech ? probability >= off : probability >= on;
        return InSpeech;
    }

    public void Reset() => InSpeech = false;
}
