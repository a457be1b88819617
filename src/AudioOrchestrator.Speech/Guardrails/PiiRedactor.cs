using System.Text.RegularExpressions;

namespace AudioOrchestrator.Speech;

/// <summary>
/// Replaces personal data in text: e-mail addresses, payment card numbers (13-19 digits passing the Luhn check, spaces
/// or dashes allowed) and phone numbers (7-15 digits, optionally with a leading "+", separators and one group in
/// parentheses). Used for logs and, with <c>Privacy:RedactHistory</c>, for the persisted history.
/// </summary>
public static partial class PiiRedactor
{
    public const string Email = "[email]";
    public const string Card = "[card number]";
    public const string Phone = "[phone number]";

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        var redacted = EmailPattern().Replace(text, Email);
        redacted = DigitRun().Replace(redacted, m =>
        {
            var digits = new string([.. m.Value.Where(char.IsAsciiDigit)]);
            if (digits.Length is >= 13 and <= 19 && PassesLuhn(digits))
            {
                return Card;
            }

            return digits.Length is >= 7 and <= 15 ? Phone : m.Value;
        });
        return redacted;
    }

    private static bool PassesLuhn(string digits)
    {
        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    /// <summary>Runs of digits with the separators phone and card numbers are written with.</summary>
    [GeneratedRegex(@"(?<![\w.])\+?(?:\(\d{1,4}\)[ \-.]?)?\d(?:[ \-.]?\d){6,18}(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex DigitRun();
}
