using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace AudioOrchestrator.Silo.Tests.Deploy;

/// <summary>The environment variables one process of the deployment is given (a compose service, a container, the image).</summary>
internal sealed record ProcessEnvironment(string Where, IReadOnlyDictionary<string, string> Variables);

/// <summary>Reads the environment variables the deployment files set: docker-compose.yml, Kubernetes manifests, the Dockerfile.</summary>
internal static partial class DeploymentEnvironment
{
    /// <summary>Value of a variable set from elsewhere (valueFrom, a secret): its key still counts.</summary>
    public const string FromElsewhere = "";

    public static IEnumerable<ProcessEnvironment> All() =>
        Compose().Concat(Kubernetes()).Append(Dockerfile());

    public static IEnumerable<ProcessEnvironment> Compose()
    {
        var compose = DeployFiles.YamlDocuments("docker-compose.yml").Single();
        foreach (var (name, service) in compose.Get("services").Entries())
        {
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            var environment = service.Get("environment");
            foreach (var (key, value) in environment.Entries())
            {
                variables[key] = Interpolated(value.Text() ?? "");
            }

            foreach (var item in environment.Items().Select(i => i.Text() ?? ""))
            {
                var equals = item.IndexOf('=', StringComparison.Ordinal);
                variables[equals < 0 ? item : item[..equals]] = equals < 0 ? FromElsewhere : Interpolated(item[(equals + 1)..]);
            }

            yield return new ProcessEnvironment($"docker-compose.yml service {name}", variables);
        }
    }

    public static IEnumerable<ProcessEnvironment> Kubernetes()
    {
        foreach (var file in KubernetesFiles())
        {
            foreach (var document in DeployFiles.YamlDocuments(file))
            {
                if (document.Get("kind").Text() == "Secret")
                {
                    var data = document.Get("stringData").Entries().ToDictionary(e => e.Key, e => e.Value.Text() ?? "", StringComparer.Ordinal);
                    yield return new ProcessEnvironment($"{file} Secret {document.Path("metadata", "name").Text()}", data);
                }

                foreach (var container in document.Path("spec", "template", "spec", "containers").Items())
                {
                    var variables = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var variable in container.Get("env").Items())
                    {
                        variables[variable.Get("name").Text() ?? ""] = variable.Get("value").Text() ?? FromElsewhere;
                    }

                    yield return new ProcessEnvironment($"{file} container {container.Get("name").Text()}", variables);
                }
            }
        }
    }

    public static IReadOnlyList<string> KubernetesFiles() =>
        [.. DeployFiles.StructuredFiles().Where(f => f.StartsWith("deploy/kubernetes/", StringComparison.Ordinal))];

    /// <summary>The ENV instructions of the Dockerfile's last stage (the image that runs).</summary>
    public static ProcessEnvironment Dockerfile()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in DockerfileInstructions.Of(DeployFiles.Read("deploy/Dockerfile")).LastStage().Where(i => i.Keyword == "ENV"))
        {
            foreach (Match pair in EnvPair().Matches(instruction.Arguments))
            {
                variables[pair.Groups["key"].Value] = pair.Groups["value"].Value;
            }
        }

        return new ProcessEnvironment("deploy/Dockerfile", variables);
    }

    /// <summary>Compose interpolation (<c>${VAR:?message}</c>, <c>${VAR:-default}</c>) replaced by a sample value.</summary>
    private static string Interpolated(string value) => Interpolation().Replace(value, m => m.Groups["default"].Success ? m.Groups["default"].Value : "sample");

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*)|:\?[^}]*)?\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|\S*)")]
    private static partial Regex EnvPair();
}
