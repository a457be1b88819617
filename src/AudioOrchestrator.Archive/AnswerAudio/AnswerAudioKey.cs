using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>
/// How a turn's answer audio is named: the archive's <see cref="ArchivedTurn.AnswerAudioRef"/> (derived from session and
/// turn id alone, so the silo that archives the turn and the ingress that keeps its audio agree without talking) and the
/// directory store's file names.
/// </summary>
public static partial class AnswerAudioKey
{
    private const string RefPrefix = "answer-audio/";

    /// <summary>The reference an archived turn holds to its answer audio: <c>answer-audio/{session}/{turn}</c>.</summary>
    public static string Ref(string sessionId, string turnId)
    {
        Validate(sessionId, turnId);
        return string.Concat(RefPrefix, sessionId, "/", turnId);
    }

    /// <summary>Whether <paramref name="reference"/> is the answer-audio reference of that turn.</summary>
    public static bool IsRefOf(string? reference, string sessionId, string turnId) =>
        reference is not null
        && reference.Length == RefPrefix.Length + sessionId.Length + 1 + turnId.Length
        && reference.StartsWith(RefPrefix, StringComparison.Ordinal)
        && reference.AsSpan(RefPrefix.Length).StartsWith(sessionId, StringComparison.Ordinal)
        && reference[RefPrefix.Length + sessionId.Length] == '/'
        && reference.AsSpan(RefPrefix.Length + sessionId.Length + 1).SequenceEqual(turnId);

    /// <summary>Throws <see cref="ArgumentException"/> unless both ids are valid <see cref="Identifiers"/>.</summary>
    public static void Validate(string sessionId, string turnId)
    {
        ValidateSession(sessionId);
        if (!Identifiers.IsValid(turnId))
        {
            throw new ArgumentException($"'{turnId}' is not a valid turn id.", nameof(turnId));
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the session id is a valid <see cref="Identifiers"/> id.</summary>
    public static void ValidateSession(string sessionId)
    {
        if (!Identifiers.IsValid(sessionId))
        {
            throw new ArgumentException($"'{sessionId}' is not a valid session id.", nameof(sessionId));
        }
    }

    /// <summary>
    /// A file or directory name for an id, safe on every file system: the id itself when it is only lower-case letters,
    /// digits, '-' and '_' (never '.', '..', ':' or a name that differs only in case), otherwise '~' and a hash of it.
    /// </summary>
    public static string FileName(string id)
    {
        if (!Identifiers.IsValid(id))
        {
            throw new ArgumentException($"'{id}' is not a valid id.", nameof(id));
        }

        return ReadableName().IsMatch(id)
            ? id
            : "~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)).AsSpan(0, 20));
    }

    [GeneratedRegex("^[a-z0-9_-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReadableName();
}
