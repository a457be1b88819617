using System.Text;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>Lowercases and splits text into words the way the speech engines write them.</summary>
public static class TextNormalizer
{
    public static IReadOnlyList<string> Words(string text, bool keepBraces = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '\'' || (keepBraces && (c == '{' || c == '}' || c == '_')))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
