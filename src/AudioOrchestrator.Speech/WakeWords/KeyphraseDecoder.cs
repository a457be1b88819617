using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using AudioOrchestrator.Speech.Native;

namespace AudioOrchestrator.Speech;

/// <summary>
/// A pocketsphinx decoder with only keyphrase searches (acoustic model and dictionary, no language model), fed
/// incrementally. One search per distinct phrase set, created on first use. Not thread-safe.
/// </summary>
internal sealed class KeyphraseDecoder : IDisposable
{
    private readonly SphinxConfigHandle _config;
    private readonly PocketSphinxDecoderHandle _decoder;
    private readonly Dictionary<string, string> _searches = new(StringComparer.Ordinal);
    private readonly double _threshold;
    private string? _currentSearch;
    private bool _inUtterance;

    private KeyphraseDecoder(SphinxConfigHandle config, PocketSphinxDecoderHandle decoder, double threshold)
    {
        _config = config;
        _decoder = decoder;
        _threshold = threshold;
    }

    public static KeyphraseDecoder Create(PocketSphinxOptions model, WakePhraseSpotterOptions spotting, IReadOnlyDictionary<string, string> pronunciations)
    {
        var (config, decoder) = PocketSphinxStartup.Start(model, settings =>
        {
            // Audio arrives 20 ms at a time: normalise cepstra with a running estimate, not over the whole utterance.
            PocketSphinxNative.CmdLnSetString(settings, "-cmn", "prior");
            PocketSphinxNative.CmdLnSetInt(settings, "-remove_noise", new CLong(0));
            PocketSphinxNative.CmdLnSetInt(settings, "-kws_delay", new CLong(spotting.ReportDelayFrames));
        });
        var result = new KeyphraseDecoder(config, decoder, spotting.KeyphraseThreshold);
        try
        {
            result.AddPronunciations(pronunciations);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Whether every word of every phrase has a pronunciation.</summary>
    public bool CanSpot(IReadOnlyList<string> phrases) =>
        phrases.Count > 0 && phrases.All(p => JsgfGrammarBuilder.Tokenize(p) is { Length: > 0 } words && words.All(IsKnownWord));

    /// <summary>Starts an utterance with the keyphrase search for <paramref name="phrases"/>.</summary>
    public void Start(IReadOnlyList<string> phrases)
    {
        var key = string.Join('|', phrases.Select(p => string.Join(' ', JsgfGrammarBuilder.Tokenize(p))));
        if (!_searches.TryGetValue(key, out var search))
        {
            search = "wake" + _searches.Count.ToString(CultureInfo.InvariantCulture);
            var file = Path.Combine(Path.GetTempPath(), $"audioorchestrator-kws-{Guid.NewGuid():N}.txt");
            try
            {
                var threshold = _threshold.ToString("0.###e+0", CultureInfo.InvariantCulture);
                File.WriteAllLines(file, key.Split('|').Select(p => $"{p} /{threshold}/"));
                if (PocketSphinxNative.PsSetKws(_decoder, search, file) < 0)
                {
                    throw new InvalidOperationException($"pocketsphinx: cannot create a keyphrase search for '{key}'.");
                }
            }
            finally
            {
                File.Delete(file);
            }

            _searches[key] = search;
        }

        if (_currentSearch != search)
        {
            if (PocketSphinxNative.PsSetSearch(_decoder, search) < 0)
            {
                throw new InvalidOperationException($"pocketsphinx: cannot switch to search '{search}'.");
            }

            _currentSearch = search;
        }

        if (PocketSphinxNative.PsStartUtt(_decoder) < 0)
        {
            throw new InvalidOperationException("pocketsphinx: ps_start_utt failed.");
        }

        _inUtterance = true;
    }

    /// <summary>Feeds samples and returns the keyphrases reported so far (space separated), or null.</summary>
    public unsafe string? Process(ReadOnlySpan<short> pcm16kMono)
    {
        if (pcm16kMono.IsEmpty)
        {
            return Hypothesis();
        }

        var dithered = ArrayPool<short>.Shared.Rent(pcm16kMono.Length);
        try
        {
            PocketSphinxDecoder.Dither(pcm16kMono, dithered);
            fixed (short* samples = dithered)
            {
                if (PocketSphinxNative.PsProcessRaw(_decoder, samples, (nuint)pcm16kMono.Length, 0, 0) < 0)
                {
                    throw new InvalidOperationException("pocketsphinx: ps_process_raw failed.");
                }
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(dithered);
        }

        return Hypothesis();
    }

    /// <summary>Ends the utterance (the decoder can start another).</summary>
    public void End()
    {
        if (_inUtterance)
        {
            _inUtterance = false;
            _ = PocketSphinxNative.PsEndUtt(_decoder);
        }
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _config.Dispose();
    }

    private string? Hypothesis()
    {
        var pointer = PocketSphinxNative.PsGetHyp(_decoder, out _);
        var text = pointer == 0 ? null : Marshal.PtrToStringUTF8(pointer)?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    private bool IsKnownWord(string word)
    {
        var phones = PocketSphinxNative.PsLookupWord(_decoder, word);
        if (phones == 0)
        {
            return false;
        }

        PocketSphinxNative.CkdFree(phones);
        return true;
    }

    private void AddPronunciations(IReadOnlyDictionary<string, string> pronunciations)
    {
        var missing = pronunciations
            .Select(p => (Word: JsgfGrammarBuilder.NormalizeWord(p.Key), Phones: p.Value?.Trim().ToUpperInvariant()))
            .Where(p => p.Word is not null && !string.IsNullOrEmpty(p.Phones) && !IsKnownWord(p.Word))
            .ToArray();
        for (var i = 0; i < missing.Length; i++)
        {
            _ = PocketSphinxNative.PsAddWord(_decoder, missing[i].Word!, missing[i].Phones!, i == missing.Length - 1 ? 1 : 0);
        }
    }
}
