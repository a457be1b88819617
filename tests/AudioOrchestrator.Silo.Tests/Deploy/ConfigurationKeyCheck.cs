using AudioOrchestrator.Archive;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Silo.Security;

namespace AudioOrchestrator.Silo.Tests.Deploy;

/// <summary>
/// Checks that environment variables in <c>Section__Key</c> form name real options: each section is bound to the
/// service's own option class with <see cref="BinderOptions.ErrorOnUnknownConfiguration"/>, so a misspelled key (or a
/// value that does not convert, such as an unknown enum name) is an error. Variables without <c>__</c> must be ones
/// the process, ASP.NET Core, OpenTelemetry or Orleans' Kubernetes hosting read.
/// </summary>
internal static class ConfigurationKeyCheck
{
    /// <summary>The sections the deployment files may set, with the class the service binds each to.</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [OrleansHostingOptions.SectionName] = typeof(OrleansHostingOptions),
        [TurnArchiveOptions.SectionName] = typeof(TurnArchiveOptions),
        [AuthOptions.SectionName] = typeof(AuthOptions),
        [SpeakerOptions.SectionName] = typeof(SpeakerOptions),
    };

    /// <summary>Process-level variables read by name (not configuration sections).</summary>
    private static readonly HashSet<string> ProcessVariables = new(StringComparer.Ordinal)
    {
        "ASPNETCORE_URLS", "HOME", "OTEL_EXPORTER_OTLP_ENDPOINT",
        "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID",
    };

    /// <summary>Variables of other programs' containers (PostgreSQL, Grafana, Jaeger) that are none of the service's business.</summary>
    public static bool IsTheService(ProcessEnvironment environment) =>
        environment.Variables.Keys.Any(k => k.Contains("__", StringComparison.Ordinal)) || environment.Where.StartsWith("deploy/Dockerfile", StringComparison.Ordinal);

    /// <summary>Every problem found with the variables of one process; empty when all exist.</summary>
    public static IReadOnlyList<string> Problems(ProcessEnvironment environment)
    {
        var problems = new List<string>();
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment.Variables)
        {
            if (!name.Contains("__", StringComparison.Ordinal))
            {
                if (!ProcessVariables.Contains(name))
                {
                    problems.Add($"{environment.Where}: {name} is neither a Section__Key setting nor a variable the process reads");
                }

                continue;
            }

            settings[name.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        foreach (var section in configuration.GetChildren())
        {
            if (!Sections.TryGetValue(section.Key, out var type))
            {
                problems.Add($"{environment.Where}: section {section.Key} is not one the deployment check knows (add its option class to ConfigurationKeyCheck)");
                continue;
            }

            try
            {
                _ = section.Get(type, o => o.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{environment.Where}: {e.Message}");
            }
        }

        return problems;
    }
}
