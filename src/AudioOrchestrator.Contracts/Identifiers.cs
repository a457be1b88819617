using System.Text.RegularExpressions;

namespace AudioOrchestrator.Contracts;

/// <summary>Rules for session and speaker identifiers supplied by clients.</summary>
public static partial class Identifiers
{
    /// <summary>Letters, digits, '-', '_', '.' and ':'; 1 to 128 characters.</summary>
    public static bool IsValid(string? id) => id is not null && IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
