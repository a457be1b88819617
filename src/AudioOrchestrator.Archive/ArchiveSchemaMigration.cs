using System.Globalization;
using System.Reflection;

namespace AudioOrchestrator.Archive;

/// <summary>One embedded schema script of a store; its file name starts with its version number.</summary>
public sealed record ArchiveSchemaMigration(int Version, string Name, string Sql)
{
    /// <summary>The scripts embedded under <paramref name="prefix"/> (<c>AudioOrchestrator.Archive.Postgres.</c> or <c>.Sqlite.</c>), in order.</summary>
    internal static IReadOnlyList<ArchiveSchemaMigration> LoadEmbedded(string prefix)
    {
        var assembly = typeof(ArchiveSchemaMigration).Assembly;
        var migrations = new List<ArchiveSchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..];
            var digits = new string([.. name.TakeWhile(char.IsAsciiDigit)]);
            if (digits.Length == 0)
            {
                throw new InvalidOperationException($"Embedded archive migration '{name}' does not start with its version number.");
            }

            migrations.Add(new ArchiveSchemaMigration(int.Parse(digits, CultureInfo.InvariantCulture), name, Read(assembly, resource)));
        }

        if (migrations.Count == 0)
        {
            throw new InvalidOperationException($"No embedded archive migrations found under '{prefix}'.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
