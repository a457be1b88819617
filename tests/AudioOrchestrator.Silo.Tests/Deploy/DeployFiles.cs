using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace AudioOrchestrator.Silo.Tests.Deploy;

/// <summary>The repository's deployment files (deploy/, docker-compose.yml), found from the test's output directory.</summary>
internal static class DeployFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Every YAML and JSON file under deploy/, and docker-compose.yml, relative to the root.</summary>
    public static IReadOnlyList<string> StructuredFiles() =>
    [
        .. Directory.EnumerateFiles(PathOf("deploy"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal),
        "docker-compose.yml",
    ];

    /// <summary>The documents of a YAML file (a Kubernetes manifest may hold several).</summary>
    public static IReadOnlyList<YamlMappingNode> YamlDocuments(string relative)
    {
        using var reader = new StringReader(Read(relative));
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    public static JsonDocument Json(string relative) => JsonDocument.Parse(Read(relative));

    private static string FindRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AudioOrchestrator.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("AudioOrchestrator.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Small navigation helpers over YamlDotNet's representation model.</summary>
internal static class Yaml
{
    public static YamlNode? Get(this YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlNode? Path(this YamlNode? node, params string[] keys) => keys.Aggregate(node, (n, k) => n.Get(k));

    public static string? Text(this YamlNode? node) => (node as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode? node) => node is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(this YamlNode? node) =>
        node is YamlMappingNode map ? map.Children.Select(e => new KeyValuePair<string, YamlNode>(((YamlScalarNode)e.Key).Value ?? "", e.Value)) : [];
}
