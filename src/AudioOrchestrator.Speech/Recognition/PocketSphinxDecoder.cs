using System.Buffers;
using System.Runtime.InteropServices;
using AudioOrchestrator.Speech.Native;

namespace AudioOrchestrator.Speech;

/// <summary>Result of decoding one utterance with one search.</summary>
/// <param name="Hypothesis">Recognised words (fillers removed), or <see langword="null"/> when nothing was recognised.</param>
/// <param name="Score">Path score of the best hypothesis (log domain of the decoder's logmath, base 1.0001).</param>
/// <param name="Posterior">Posterior probability of the hypothesis in 0..1, or <see langword="null"/> if the search could not compute one.</param>
/// <param name="Frames">Number of 10 ms feature frames decoded.</param>
/// <param name="AcousticScore">Sum of the acoustic scores of all segments (words, fillers, silence) of the best path.</param>
/// <param name="Segments">The best path with fillers, for diagnostics (<c>word@startFrame</c>).</param>
internal readonly record struct DecodeResult(string? Hypothesis, int Score, double? Posterior, int Frames, long AcousticScore, string Segments);

/// <summary>
/// One pocketsphinx decoder with two searches: the general n-gram language model the decoder is initialised with,
/// and (optionally) a JSGF grammar. Not thread-safe: the pool hands each instance to one caller at a time.
/// </summary>
internal sealed class PocketSphinxDecoder : IDisposable
{
    /// <summary>Name of the JSGF search.</summary>
    public const string GrammarSearch = "grammar";

    /// <summary>Name of the unstructured word-loop search used to reject out-of-grammar speech.</summary>
    public const string FreeSearch = "free";

    /// <summary>Above this many samples, audio is fed in blocks so cancellation is observed during decoding.</summary>
    private const int SingleBlockLimit = 16000 * 10;

    private const int BlockSamples = 16000;

    private readonly SphinxConfigHandle _config;
    private readonly PocketSphinxDecoderHandle _decoder;
    private readonly nint _logMath;
    private string? _currentSearch;

    private PocketSphinxDecoder(SphinxConfigHandle config, PocketSphinxDecoderHandle decoder)
    {
        _config = config;
        _decoder = decoder;
        _logMath = PocketSphinxNative.PsGetLogMath(decoder);
        LanguageModelSearch = Marshal.PtrToStringUTF8(PocketSphinxNative.PsGetSearch(decoder))
            ?? throw new InvalidOperationException("pocketsphinx created no language-model search.");
        _currentSearch = LanguageModelSearch;
    }

    /// <summary>Name of the n-gram search created from <c>-lm</c> (pocketsphinx calls it <c>_default</c>).</summary>
    public string LanguageModelSearch { get; }

    /// <summary>Whether <see cref="SetGrammar"/> succeeded.</summary>
    public bool HasGrammar { get; private set; }

    /// <summary>Whether <see cref="SetFreeGrammar"/> succeeded.</summary>
    public bool HasFreeGrammar { get; private set; }

    /// <summary>Loads the acoustic model, dictionary and language model.</summary>
    public static PocketSphinxDecoder Create(PocketSphinxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var (config, decoder) = PocketSphinxStartup.Start(options, settings =>
        {
            PocketSphinxNative.CmdLnSetString(settings, "-lm", options.ResolvedLanguageModelPath);

            // Normalise cepstra over the whole utterance instead of carrying a running mean from earlier utterances:
            // pooled decoders then give the same result for the same audio regardless of what they decoded before.
            PocketSphinxNative.CmdLnSetString(settings, "-cmn", "current");

            // The spectral noise estimate also carries over between utterances; measured: with it enabled, the same
            // audio was recognised differently depending on what the pooled decoder had decoded before.
            PocketSphinxNative.CmdLnSetInt(settings, "-remove_noise", new CLong(0));
            foreach (var (name, value) in options.NativeParameters)
            {
                if (PocketSphinxNative.CmdLnExists(settings, name) == 0)
                {
                    throw new ArgumentException($"pocketsphinx has no parameter '{name}'.", nameof(options));
                }

                switch (value)
                {
                    case string text:
                        PocketSphinxNative.CmdLnSetString(settings, name, text);
                        break;
                    case bool flag:
                        PocketSphinxNative.CmdLnSetInt(settings, name, new CLong(flag ? 1 : 0));
                        break;
                    case int number:
                        PocketSphinxNative.CmdLnSetInt(settings, name, new CLong(number));
                        break;
                    case double number:
                        PocketSphinxNative.CmdLnSetFloat(settings, name, number);
                        break;
                    default:
                        throw new ArgumentException($"Unsupported value type for pocketsphinx parameter '{name}'.", nameof(options));
                }
            }
        });
        return new PocketSphinxDecoder(config, decoder);
    }

    /// <summary>Whether the dictionary has a pronunciation for <paramref name="word"/>.</summary>
    public bool IsKnownWord(string word)
    {
        var phones = PocketSphinxNative.PsLookupWord(_decoder, word);
        if (phones == 0)
        {
            return false;
        }

        PocketSphinxNative.CkdFree(phones);
        return true;
    }

    /// <summary>Adds a word to the dictionary (and the language model's unigrams).</summary>
    /// <param name="word">Lowercase word.</param>
    /// <param name="phones">CMU phones, space separated.</param>
    /// <param name="rebuild">Rebuild the current search; pass <see langword="true"/> for the last word of a batch.</param>
    public bool AddWord(string word, string phones, bool rebuild) =>
        PocketSphinxNative.PsAddWord(_decoder, word, phones, rebuild ? 1 : 0) >= 0;

    /// <summary>Installs the JSGF grammar as the <see cref="GrammarSearch"/> search.</summary>
    public bool SetGrammar(string jsgf)
    {
        HasGrammar = PocketSphinxNative.PsSetJsgfString(_decoder, GrammarSearch, jsgf) >= 0;
        return HasGrammar;
    }

    /// <summary>Installs the word-loop JSGF grammar as the <see cref="FreeSearch"/> search.</summary>
    public bool SetFreeGrammar(string jsgf)
    {
        HasFreeGrammar = PocketSphinxNative.PsSetJsgfString(_decoder, FreeSearch, jsgf) >= 0;
        return HasFreeGrammar;
    }

    /// <summary>Decodes 16 kHz mono audio as one utterance with the named search.</summary>
    public unsafe DecodeResult Decode(string search, ReadOnlySpan<short> pcm16kMono, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
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

        var ended = false;
        var dithered = ArrayPool<short>.Shared.Rent(pcm16kMono.Length);
        try
        {
            Dither(pcm16kMono, dithered);
            fixed (short* samples = dithered)
            {
                if (pcm16kMono.Length <= SingleBlockLimit)
                {
                    // One block marked as a full utterance: cepstral mean normalisation uses the whole utterance.
                    Check(PocketSphinxNative.PsProcessRaw(_decoder, samples, (nuint)pcm16kMono.Length, 0, 1));
                }
                else
                {
                    for (var offset = 0; offset < pcm16kMono.Length; offset += BlockSamples)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var count = Math.Min(BlockSamples, pcm16kMono.Length - offset);
                        Check(PocketSphinxNative.PsProcessRaw(_decoder, samples + offset, (nuint)count, 0, 0));
                    }
                }
            }

            ended = true;
            if (PocketSphinxNative.PsEndUtt(_decoder) < 0)
            {
                throw new InvalidOperationException("pocketsphinx: ps_end_utt failed.");
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(dithered);
            if (!ended)
            {
                _ = PocketSphinxNative.PsEndUtt(_decoder);
            }
        }

        var frames = PocketSphinxNative.PsGetFrameCount(_decoder);
        var hypPointer = PocketSphinxNative.PsGetHyp(_decoder, out var score);
        var hypothesis = hypPointer == 0 ? null : Marshal.PtrToStringUTF8(hypPointer)?.Trim();
        var (acoustic, segments) = ReadSegments();
        if (string.IsNullOrEmpty(hypothesis))
        {
            return new DecodeResult(null, score, null, frames, acoustic, segments);
        }

        // ps_get_prob returns the log posterior of the best path from the lattice; a positive value
        // (rounding) or exactly 0 for a search that cannot compute it is reported as "unknown".
        var logPosterior = PocketSphinxNative.PsGetProb(_decoder);
        double? posterior = logPosterior < 0 ? Math.Clamp(PocketSphinxNative.LogMathExp(_logMath, logPosterior), 0, 1) : null;
        return new DecodeResult(hypothesis, score, posterior, frames, acoustic, segments);

        static void Check(int result)
        {
            if (result < 0)
            {
                throw new InvalidOperationException("pocketsphinx: ps_process_raw failed.");
            }
        }
    }

    /// <summary>
    /// Adds ±1 LSB of deterministic noise. Synthetic or gated audio contains runs of exact zeros whose log energy
    /// wrecks the feature normalisation (measured: "help" and "what time is it" from espeak were misrecognised
    /// without it). Unlike pocketsphinx's own <c>-dither</c>, the noise does not depend on earlier utterances, so the
    /// same audio always gives the same result on every pooled decoder.
    /// </summary>
    internal static void Dither(ReadOnlySpan<short> source, Span<short> destination)
    {
        var state = 0x9E3779B9u;
        for (var i = 0; i < source.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            var noise = (int)(state % 3) - 1;
            destination[i] = (short)Math.Clamp(source[i] + noise, short.MinValue, short.MaxValue);
        }
    }

    private (long AcousticScore, string Segments) ReadSegments()
    {
        long acoustic = 0;
        var text = new System.Text.StringBuilder();
        for (var segment = PocketSphinxNative.PsSegIter(_decoder); segment != 0; segment = PocketSphinxNative.PsSegNext(segment))
        {
            _ = PocketSphinxNative.PsSegProb(segment, out var ascr, out _, out _);
            PocketSphinxNative.PsSegFrames(segment, out var start, out _);
            acoustic += ascr;
            text.Append(Marshal.PtrToStringUTF8(PocketSphinxNative.PsSegWord(segment))).Append('@').Append(start).Append(' ');
        }

        return (acoustic, text.ToString().TrimEnd());
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _config.Dispose();
    }
}
