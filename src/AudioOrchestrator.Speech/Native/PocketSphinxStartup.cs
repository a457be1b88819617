namespace AudioOrchestrator.Speech.Native;

/// <summary>Creates a pocketsphinx configuration for a model and starts a decoder on it; nothing leaks on failure.</summary>
internal static class PocketSphinxStartup
{
    /// <summary>
    /// Defaults (argc = 0, so no argv strings are referenced by the configuration), then the model's acoustic model,
    /// dictionary, native log file and 16 kHz through typed setters (which copy their values), then
    /// <paramref name="configure"/> for the search-specific settings, then <c>ps_init</c>.
    /// </summary>
    public static (SphinxConfigHandle Config, PocketSphinxDecoderHandle Decoder) Start(PocketSphinxOptions model, Action<SphinxConfigHandle> configure)
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
