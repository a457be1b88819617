namespace AudioOrchestrator.Speech.Native;

/// <summary>Creates a pocketsphinx configuration for a model and starts a decoder on it; nothing leaks on failure.</summary>
internal static class PocketSphinxStartup
{
    /// <summary>
    /// Serialises start-ups in the process: two decoders started at once left both threads waiting in <c>ps_init</c>
    /// for ever (a clean-clone test run: a recogniser pool's first two transcriptions; a dump showed both threads in
    /// <c>ps_init</c>, waiting on a futex). The native start-up is not safe to run concurrently (it sets process-wide
    /// state, such as the log file of <c>-logfn</c>); the lock guards that native state, not state of ours.
    /// </summary>
    private static readonly Lock NativeStartup = new();

    /// <summary>
    /// Defaults (argc = 0, so no argv strings are referenced by the configuration), then the model's acoustic model,
    /// dictionary, native log file and 16 kHz through typed setters (which copy their values), then
    /// <paramref name="configure"/> for the search-specific settings, then <c>ps_init</c>.
    /// </summary>
    public static (SphinxConfigHandle Config, PocketSphinxDecoderHandle Decoder) Start(PocketSphinxOptions model, Action<SphinxConfigHandle> configure)
    {
        lock (NativeStartup)
        {
            return StartAlone(model, configure);
        }
    }

    private static (SphinxConfigHandle Config, PocketSphinxDecoderHandle Decoder) StartAlone(PocketSphinxOptions model, Action<SphinxConfigHandle> configure)
    {
        var config = PocketSphinxNative.CmdLnParse(0, PocketSphinxNative.PsArgs(), 0, 0, 0);
        if (config.IsInvalid)
        {
            config.Dispose();
            throw new InvalidOperationException("pocketsphinx: could not create a configuration.");
        }

        try
        {
            PocketSphinxNative.CmdLnSetString(config, "-hmm", model.ResolvedAcousticModelPath);
            PocketSphinxNative.CmdLnSetString(config, "-dict", model.ResolvedDictionaryPath);
            PocketSphinxNative.CmdLnSetString(config, "-logfn", model.NativeLogFile);
            PocketSphinxNative.CmdLnSetFloat(config, "-samprate", 16000);
            configure(config);
            var decoder = PocketSphinxNative.PsInit(config);
            if (decoder.IsInvalid)
            {
                decoder.Dispose();
                throw new InvalidOperationException(
                    $"pocketsphinx: ps_init failed for model '{model.ResolvedAcousticModelPath}' (see {model.NativeLogFile}).");
            }

            return (config, decoder);
        }
        catch
        {
            config.Dispose();
            throw;
        }
    }
}
