using System.Runtime.InteropServices;

namespace AudioOrchestrator.Speech.Native;

/// <summary>
/// Source-generated bindings for the parts of pocketsphinx 5prealpha ("0.8") and sphinxbase that the
/// recogniser needs. Signatures follow <c>pocketsphinx.h</c>, <c>cmd_ln.h</c> and <c>logmath.h</c>.
/// Variadic entry points (<c>cmd_ln_init</c>) are deliberately not bound: a configuration is created
/// from the argument definitions with no arguments and then filled in with the typed setters.
/// </summary>
internal static partial class PocketSphinxNative
{
    internal const string PocketSphinxLibrary = "libpocketsphinx.so.3";
    internal const string SphinxBaseLibrary = "libsphinxbase.so.3";

    // ---- sphinxbase: configuration -------------------------------------------------------

    /// <summary><c>cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *inout, const arg_t *defn, int32 argc, char *argv[], int strict)</c>.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_parse_r")]
    internal static partial SphinxConfigHandle CmdLnParse(nint inoutConfig, nint definitions, int argc, nint argv, int strict);

    /// <summary><c>void cmd_ln_set_str_r(cmd_ln_t *cmdln, char const *name, char const *str)</c>; the value is copied.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_set_str_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void CmdLnSetString(SphinxConfigHandle config, string name, string? value);

    /// <summary><c>void cmd_ln_set_int_r(cmd_ln_t *cmdln, char const *name, long iv)</c>.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_set_int_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void CmdLnSetInt(SphinxConfigHandle config, string name, CLong value);

    /// <summary><c>void cmd_ln_set_float_r(cmd_ln_t *cmdln, char const *name, double fv)</c>.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_set_float_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void CmdLnSetFloat(SphinxConfigHandle config, string name, double value);

    /// <summary><c>int cmd_ln_exists_r(cmd_ln_t *cmdln, char const *name)</c>.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_exists_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int CmdLnExists(SphinxConfigHandle config, string name);

    /// <summary><c>int cmd_ln_free_r(cmd_ln_t *cmdln)</c>: drops one reference.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_free_r")]
    internal static partial int CmdLnFree(nint config);

    /// <summary><c>void ckd_free(void *ptr)</c>: frees memory handed out by sphinxbase/pocketsphinx.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "ckd_free")]
    internal static partial void CkdFree(nint pointer);

    /// <summary><c>float64 logmath_exp(logmath_t *lmath, int logb_x)</c>.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "logmath_exp")]
    internal static partial double LogMathExp(nint logMath, int logValue);

    // ---- pocketsphinx: decoder -----------------------------------------------------------

    /// <summary><c>arg_t const *ps_args(void)</c>: the decoder's argument definitions (static data).</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_args")]
    internal static partial nint PsArgs();

    /// <summary><c>ps_decoder_t *ps_init(cmd_ln_t *config)</c>; the decoder retains the configuration.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_init")]
    internal static partial PocketSphinxDecoderHandle PsInit(SphinxConfigHandle config);

    /// <summary><c>int ps_free(ps_decoder_t *ps)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_free")]
    internal static partial int PsFree(nint decoder);

    /// <summary><c>char *ps_lookup_word(ps_decoder_t *ps, const char *word)</c>; result must be freed with <c>ckd_free</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_lookup_word", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint PsLookupWord(PocketSphinxDecoderHandle decoder, string word);

    /// <summary><c>int ps_add_word(ps_decoder_t *ps, char const *word, char const *phones, int update)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_add_word", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PsAddWord(PocketSphinxDecoderHandle decoder, string word, string phones, int update);

    /// <summary><c>int ps_set_jsgf_string(ps_decoder_t *ps, const char *name, const char *jsgf_string)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_set_jsgf_string", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PsSetJsgfString(PocketSphinxDecoderHandle decoder, string name, string jsgf);

    /// <summary><c>int ps_set_kws(ps_decoder_t *ps, const char *name, const char *keyfile)</c>: keyphrase search from a file of <c>phrase /threshold/</c> lines.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_set_kws", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PsSetKws(PocketSphinxDecoderHandle decoder, string name, string keyFile);

    /// <summary><c>int ps_set_search(ps_decoder_t *ps, const char *name)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_set_search", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PsSetSearch(PocketSphinxDecoderHandle decoder, string name);

    /// <summary><c>const char *ps_get_search(ps_decoder_t *ps)</c>: name of the current search (owned by the decoder).</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_get_search")]
    internal static partial nint PsGetSearch(PocketSphinxDecoderHandle decoder);

    /// <summary><c>int ps_start_utt(ps_decoder_t *ps)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_start_utt")]
    internal static partial int PsStartUtt(PocketSphinxDecoderHandle decoder);

    /// <summary><c>int ps_process_raw(ps_decoder_t *ps, int16 const *data, size_t n_samples, int no_search, int full_utt)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_process_raw")]
    internal static unsafe partial int PsProcessRaw(PocketSphinxDecoderHandle decoder, short* data, nuint sampleCount, int noSearch, int fullUtterance);

    /// <summary><c>int ps_end_utt(ps_decoder_t *ps)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_end_utt")]
    internal static partial int PsEndUtt(PocketSphinxDecoderHandle decoder);

    /// <summary><c>char const *ps_get_hyp(ps_decoder_t *ps, int32 *out_best_score)</c>; owned by the decoder.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_get_hyp")]
    internal static partial nint PsGetHyp(PocketSphinxDecoderHandle decoder, out int bestScore);

    /// <summary><c>int32 ps_get_prob(ps_decoder_t *ps)</c>: log posterior probability of the hypothesis.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_get_prob")]
    internal static partial int PsGetProb(PocketSphinxDecoderHandle decoder);

    /// <summary><c>int ps_get_n_frames(ps_decoder_t *ps)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_get_n_frames")]
    internal static partial int PsGetFrameCount(PocketSphinxDecoderHandle decoder);

    /// <summary><c>ps_seg_t *ps_seg_iter(ps_decoder_t *ps)</c>: segments of the best hypothesis, or NULL.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_seg_iter")]
    internal static partial nint PsSegIter(PocketSphinxDecoderHandle decoder);

    /// <summary><c>ps_seg_t *ps_seg_next(ps_seg_t *seg)</c>: advances; frees the iterator and returns NULL at the end.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_seg_next")]
    internal static partial nint PsSegNext(nint segment);

    /// <summary><c>char const *ps_seg_word(ps_seg_t *seg)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_seg_word")]
    internal static partial nint PsSegWord(nint segment);

    /// <summary><c>void ps_seg_frames(ps_seg_t *seg, int *out_sf, int *out_ef)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_seg_frames")]
    internal static partial void PsSegFrames(nint segment, out int startFrame, out int endFrame);

    /// <summary><c>int32 ps_seg_prob(ps_seg_t *seg, int32 *out_ascr, int32 *out_lscr, int32 *out_lback)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_seg_prob")]
    internal static partial int PsSegProb(nint segment, out int acousticScore, out int languageScore, out int languageBackoff);

    /// <summary><c>void ps_seg_free(ps_seg_t *seg)</c>: frees an iterator that was not run to the end.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_seg_free")]
    internal static partial void PsSegFree(nint segment);

    /// <summary><c>logmath_t *ps_get_logmath(ps_decoder_t *ps)</c>; not retained, valid while the decoder lives.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_get_logmath")]
    internal static partial nint PsGetLogMath(PocketSphinxDecoderHandle decoder);
}
