namespace AudioOrchestrator.Silo.Tests.Deploy;

/// <summary>One Dockerfile instruction with its continuation lines joined.</summary>
internal sealed record DockerfileInstruction(string Keyword, string Arguments);

/// <summary>Splits a Dockerfile into instructions (comments dropped, <c>\</c> continuations joined).</summary>
internal static class DockerfileInstructions
{
    public static IReadOnlyList<DockerfileInstruction> Of(string text)
    {
        var instructions = new List<DockerfileInstruction>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            current += line;
            if (!string.IsNullOrWhiteSpace(current))
            {
                var trimmed = current.Trim();
                var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(new DockerfileInstruction(
                    (space < 0 ? trimmed : trimmed[..space]).ToUpperInvariant(), space < 0 ? "" : trimmed[(space + 1)..].Trim()));
            }

            current = "";
        }

        return instructions;
    }

    /// <summary>The instructions after the last FROM (the image that runs).</summary>
    public static IReadOnlyList<DockerfileInstruction> LastStage(this IReadOnlyList<DockerfileInstruction> instructions)
    {
        var last = instructions.ToList().FindLastIndex(i => i.Keyword == "FROM");
        return [.. instructions.Skip(last)];
    }
}
