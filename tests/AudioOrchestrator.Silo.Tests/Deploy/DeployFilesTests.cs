using System.Text.Json;
using System.Text.RegularExpressions;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting;
using YamlDotNet.RepresentationModel;

namespace AudioOrchestrator.Silo.Tests.Deploy;

/// <summary>
/// Docker cannot run here, so the deployment files are checked as files: they parse, every configuration key they set
/// is an option of the service, the image gets the native libraries and the Silero model, the dashboard reads only
/// documented metrics, compose's health checks and dependencies hold together, and the Kubernetes manifests have what
/// a rolling restart and Orleans' Kubernetes hosting need.
/// </summary>
public sealed partial class DeployFilesTests
{
    [Fact]
    public void Every_yaml_and_json_file_of_the_deployment_parses()
    {
        var files = DeployFiles.StructuredFiles();
        Assert.Contains("docker-compose.yml", files);
        Assert.Contains("deploy/grafana/dashboards/audio-orchestrator.json", files);
        Assert.Contains("deploy/prometheus/prometheus.yml", files);
        Assert.Contains("deploy/kubernetes/silo.yaml", files);
        foreach (var file in files)
        {
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                using var json = DeployFiles.Json(file);
            }
            else
            {
                Assert.True(DeployFiles.YamlDocuments(file).Count > 0, $"{file} has no YAML mapping");
            }
        }
    }

    [Fact]
    public void Every_configuration_key_the_deployment_sets_is_an_option_of_the_service()
    {
        var processes = DeploymentEnvironment.All().Where(ConfigurationKeyCheck.IsTheService).ToList();
        Assert.Contains(processes, p => p.Where == "docker-compose.yml service ingress");
        Assert.Contains(processes, p => p.Where == "deploy/kubernetes/silo.yaml container silo");
        Assert.Contains(processes, p => p.Where.StartsWith("deploy/kubernetes/secret.example.yaml", StringComparison.Ordinal));
        Assert.Empty(processes.SelectMany(ConfigurationKeyCheck.Problems));
    }

    [Fact]
    public void The_configuration_key_check_refuses_a_misspelled_key_or_value()
    {
        static IReadOnlyList<string> Check(string key, string value) =>
            ConfigurationKeyCheck.Problems(new ProcessEnvironment("sample", new Dictionary<string, string> { [key] = value }));

        Assert.Empty(Check("Cluster__Clustering", "AdoNet"));
        Assert.Empty(Check("Speaker__Silero__ModelPath", "/x.onnx"));
        Assert.NotEmpty(Check("Cluster__Clusterng", "AdoNet"));
        Assert.NotEmpty(Check("Cluster__Clustering", "Postgres"));
        Assert.NotEmpty(Check("Speaker__Silero__ModelPat", "/x.onnx"));
        Assert.NotEmpty(Check("Auth__ApiKeys__0__Scope__0", "admin"));
        Assert.NotEmpty(Check("Clustr__Role", "Silo"));
        Assert.NotEmpty(Check("OTEL_EXPORTER_OTLP_ENDPIONT", "http://x"));
    }

    [Fact]
    public void The_image_installs_the_runtime_packages_setup_sh_lists_and_contains_the_silero_model_where_the_service_reads_it()
    {
        var setup = DeployFiles.Read("scripts/setup.sh");
        var runtimePackages = RuntimePackages().Match(setup).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("libpocketsphinx3", runtimePackages);
        var instructions = DockerfileInstructions.Of(DeployFiles.Read("deploy/Dockerfile"));
        var runtime = instructions.LastStage();
        var installed = runtime.Where(i => i.Keyword == "RUN" && i.Arguments.Contains("apt-get install", StringComparison.Ordinal))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(runtimePackages, p => !installed.Contains(p));

        // The model: the pinned npm package of setup.sh, checked against the sha256 the service demands.
        var package = SileroPackage().Match(setup).Groups[1].Value;
        Assert.Contains(instructions, i => i.Keyword == "ARG" && i.Arguments == $"SILERO_PACKAGE={package}");
        Assert.Contains(instructions, i => i.Keyword == "ARG" && i.Arguments == $"SILERO_SHA256={SileroVadOptions.Version5Sha256}");
        Assert.Contains(instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("npm pack", StringComparison.Ordinal) && i.Arguments.Contains("sha256sum -c", StringComparison.Ordinal));

        // ... copied into the runtime image at the path Speaker:Silero:ModelPath names there.
        var environment = DeploymentEnvironment.Dockerfile().Variables;
        var modelPath = environment["Speaker__Silero__ModelPath"];
        var bound = new ConfigurationBuilder().AddInMemoryCollection([new("Speaker:Silero:ModelPath", modelPath)]).Build()
            .GetSection("Speaker").Get<AudioOrchestrator.Grains.Speakers.SpeakerOptions>();
        Assert.Equal(modelPath, bound?.Silero.ModelPath);
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Arguments.Contains("--from=silero", StringComparison.Ordinal)
            && i.Arguments.EndsWith(" " + modelPath, StringComparison.Ordinal));
        Assert.EndsWith("/" + SileroVadOptions.ModelFileName, modelPath, StringComparison.Ordinal);

        // Runs as a user, listens beyond loopback, has a health check and stops gracefully.
        Assert.Contains(runtime, i => i.Keyword == "USER" && i.Arguments is not ("root" or "0"));
        Assert.StartsWith("http://+:8080", environment["ASPNETCORE_URLS"], StringComparison.Ordinal);
        Assert.Contains(runtime, i => i.Keyword == "HEALTHCHECK" && i.Arguments.Contains("/health/ready", StringComparison.Ordinal));
        Assert.Contains(runtime, i => i.Keyword == "STOPSIGNAL" && i.Arguments == "SIGTERM");
    }

    [Fact]
    public void The_dashboard_reads_only_documented_metrics_and_covers_every_stage_capacity_and_error()
    {
        var documented = MetricNames.Documented(DeployFiles.Read("docs/operations.md"));
        using var dashboard = DeployFiles.Json("deploy/grafana/dashboards/audio-orchestrator.json");
        var expressions = Expressions(dashboard.RootElement).ToList();
        Assert.NotEmpty(expressions);
        var used = expressions.SelectMany(MetricNames.InPromQl).Select(MetricNames.Family).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(used, m => !documented.Contains(m));

        string[] required =
        [
            "transcription_latency_seconds", "agent_execution_latency_seconds", "tts_synthesis_latency_seconds",
            "end_to_end_response_latency_seconds", "audio_chunks_processed_total", "agent_invocations_total",
            "active_speakers", "active_sessions", "voice_connections",
            "audioorchestrator_turns_failed_total", "audioorchestrator_discord_frames_received_total",
        ];
        Assert.DoesNotContain(required, m => !used.Contains(m));

        // The check can fail: a misspelled series is not documented.
        Assert.DoesNotContain(MetricNames.Family("transcription_latency_second_bucket"), documented);
        Assert.Equal(["audioorchestrator_turns_total", "up"], MetricNames.InPromQl("sum by (agent) (rate(audioorchestrator_turns_total{job=\"$job\"}[5m])) / on(instance) up").Order());
    }

    [Fact]
    public void Grafana_is_provisioned_with_the_dashboard_and_prometheus()
    {
        var datasources = DeployFiles.YamlDocuments("deploy/grafana/provisioning/datasources/datasources.yaml").Single().Get("datasources").Items().ToList();
        Assert.Contains(datasources, d => d.Get("uid").Text() == "prometheus" && d.Get("url").Text() == "http://prometheus:9090");
        var provider = DeployFiles.YamlDocuments("deploy/grafana/provisioning/dashboards/dashboards.yaml").Single().Get("providers").Items().Single();
        var compose = DeployFiles.YamlDocuments("docker-compose.yml").Single();
        var grafanaVolumes = compose.Path("services", "grafana", "volumes").Items().Select(v => v.Text() ?? "").ToList();
        Assert.Contains($"./deploy/grafana/dashboards:{provider.Path("options", "path").Text()}:ro", grafanaVolumes);

        // Every datasource the dashboard names is provisioned.
        using var dashboard = DeployFiles.Json("deploy/grafana/dashboards/audio-orchestrator.json");
        var uids = datasources.Select(d => d.Get("uid").Text()).ToHashSet();
        Assert.DoesNotContain(DatasourceUids(dashboard.RootElement), u => !uids.Contains(u));
    }

    [Fact]
    public void Compose_health_checks_dependencies_ports_and_mounts_hold_together()
    {
        var compose = DeployFiles.YamlDocuments("docker-compose.yml").Single();
        var services = compose.Get("services").Entries().ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        string[] expected = ["postgres", "silo-1", "silo-2", "ingress", "prometheus", "grafana", "otel-collector", "jaeger"];
        Assert.DoesNotContain(expected, s => !services.ContainsKey(s));

        var problems = new List<string>();
        foreach (var (name, service) in services)
        {
            foreach (var (dependency, how) in service.Get("depends_on").Entries())
            {
                if (!services.TryGetValue(dependency, out var target))
                {
                    problems.Add($"{name} depends on {dependency}, which is not a service");
                }
                else if (how.Get("condition").Text() == "service_healthy" && target.Get("healthcheck") is null)
                {
                    problems.Add($"{name} waits for {dependency} to be healthy, which has no health check");
                }
            }

            foreach (var port in service.Get("ports").Items().Select(p => p.Text() ?? ""))
            {
                if (!port.StartsWith("127.0.0.1:", StringComparison.Ordinal))
                {
                    problems.Add($"{name} publishes {port} beyond 127.0.0.1");
                }
            }

            foreach (var volume in service.Get("volumes").Items().Select(v => v.Text() ?? "").Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                var source = volume[2..volume.IndexOf(':', StringComparison.Ordinal)];
                if (!File.Exists(DeployFiles.PathOf(source)) && !Directory.Exists(DeployFiles.PathOf(source)))
                {
                    problems.Add($"{name} mounts ./{source}, which does not exist");
                }
            }
        }

        problems.AddRange(DependencyCycles(services));

        // The service's processes: PostgreSQL first, ready = /health/ready, time to shut down gracefully, the ingress after a ready silo.
        foreach (var name in new[] { "silo-1", "silo-2", "ingress" })
        {
            var service = services[name];
            if (!(service.Path("healthcheck", "test").Items().Select(i => i.Text()).Any(t => t?.EndsWith("/health/ready", StringComparison.Ordinal) == true)))
            {
                problems.Add($"{name}'s health check is not /health/ready");
            }

            if (service.Get("stop_grace_period").Text() is not { } grace || int.Parse(grace.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture) <= 30)
            {
                problems.Add($"{name} needs a stop_grace_period beyond the host's 30 s shutdown timeout");
            }
        }

        foreach (var silo in new[] { "silo-1", "silo-2" })
        {
            if (services[silo].Path("depends_on", "postgres", "condition").Text() != "service_healthy")
            {
                problems.Add($"{silo} must wait for a healthy PostgreSQL (it migrates the schema at start)");
            }
        }

        if (services["ingress"].Path("depends_on", "silo-1", "condition").Text() != "service_healthy")
        {
            problems.Add("the ingress must wait for a ready silo (it does not start without a gateway)");
        }

        Assert.Empty(problems);

        // Prometheus scrapes the three processes, which all know the key it sends.
        var scrape = DeployFiles.YamlDocuments("deploy/prometheus/prometheus.yml").Single().Get("scrape_configs").Items().Single(j => j.Get("job_name").Text() == "audio-orchestrator");
        var targets = scrape.Get("static_configs").Items().SelectMany(c => c.Get("targets").Items()).Select(t => t.Text()!.Split(':')[0]).Order().ToList();
        Assert.Equal(["ingress", "silo-1", "silo-2"], targets);
        Assert.Equal("/run/secrets/prometheus-api-key", scrape.Path("authorization", "credentials_file").Text());
        Assert.Contains("prometheus-api-key", services["prometheus"].Get("secrets").Items().Select(s => s.Text()));
        foreach (var process in DeploymentEnvironment.Compose().Where(p => targets.Any(t => p.Where.EndsWith(" " + t, StringComparison.Ordinal))))
        {
            Assert.Equal("admin", process.Variables["Auth__ApiKeys__0__Scopes__0"]);
        }
    }

    [Fact]
    public void The_kubernetes_manifests_have_rbac_probes_a_disruption_budget_and_graceful_shutdown()
    {
        var documents = DeploymentEnvironment.KubernetesFiles().SelectMany(DeployFiles.YamlDocuments).ToList();
        var role = documents.Single(d => d.Get("kind").Text() == "Role");
        var rule = role.Get("rules").Items().Single(r => r.Get("resources").Items().Any(i => i.Text() == "pods"));
        Assert.Equal(["delete", "get", "list", "watch"], rule.Get("verbs").Items().Select(v => v.Text()).Order());
        var serviceAccount = documents.Single(d => d.Get("kind").Text() == "RoleBinding").Get("subjects").Items().Single().Get("name").Text();

        var deployments = documents.Where(d => d.Get("kind").Text() == "Deployment").ToList();
        Assert.Equal(2, deployments.Count);
        foreach (var deployment in deployments)
        {
            var name = deployment.Path("metadata", "name").Text();
            var pod = deployment.Path("spec", "template");
            var container = pod.Path("spec", "containers").Items().Single();
            Assert.True(container.Path("livenessProbe", "httpGet", "path").Text() == "/health/live", $"{name}: liveness");
            Assert.True(container.Path("readinessProbe", "httpGet", "path").Text() == "/health/ready", $"{name}: readiness");
            Assert.True(container.Path("lifecycle", "preStop") is not null, $"{name}: preStop");
            Assert.True(int.Parse(pod.Path("spec", "terminationGracePeriodSeconds").Text() ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 30, $"{name}: grace");
            Assert.True(container.Path("resources", "requests") is not null && container.Path("resources", "limits") is not null, $"{name}: resources");
            Assert.Contains(container.Get("envFrom").Items(), e => e.Path("secretRef", "name").Text() == "audio-orchestrator");
            var labels = pod.Path("metadata", "labels").Entries().ToDictionary(e => e.Key, e => e.Value.Text());
            var selector = deployment.Path("spec", "selector", "matchLabels").Entries().ToList();
            Assert.All(selector, s => Assert.Equal(s.Value.Text(), labels.GetValueOrDefault(s.Key)));
            Assert.Contains(documents, d => d.Get("kind").Text() == "PodDisruptionBudget"
                && d.Path("spec", "selector", "matchLabels").Entries().All(s => labels.GetValueOrDefault(s.Key) == s.Value.Text()));
        }

        // The silos: Orleans' Kubernetes hosting on, the pod's identity and cluster labels given to it, the RBAC account.
        var silo = deployments.Single(d => d.Path("metadata", "name").Text() == "audio-orchestrator-silo");
        var siloPod = silo.Path("spec", "template");
        var siloLabels = siloPod.Path("metadata", "labels").Entries().ToDictionary(e => e.Key, e => e.Value.Text());
        var env = DeploymentEnvironment.Kubernetes().Single(p => p.Where == "deploy/kubernetes/silo.yaml container silo").Variables;
        Assert.Equal("true", env["Cluster__KubernetesHosting"]);
        Assert.Equal(siloLabels["orleans/serviceId"], env["Cluster__ServiceId"]);
        Assert.Equal(siloLabels["orleans/clusterId"], env["Cluster__ClusterId"]);
        Assert.DoesNotContain(new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID" }, v => !env.ContainsKey(v));
        Assert.Equal(serviceAccount, siloPod.Path("spec", "serviceAccountName").Text());
        Assert.Equal("true", siloPod.Path("metadata", "annotations", "prometheus.io/scrape").Text());
    }

    [Fact]
    public void Orleans_kubernetes_hosting_is_used_only_when_configured()
    {
        static bool UsesKubernetesHosting(bool configured)
        {
            var silo = new SiloBuilderSample();
            OrleansSiloSetup.Configure(silo, new OrleansHostingOptions { KubernetesHosting = configured });
            return silo.Services.Any(d => new[] { d.ServiceType, d.ImplementationType, d.ImplementationInstance?.GetType() }
                .Any(t => t?.Assembly.GetName().Name == "Orleans.Hosting.Kubernetes"));
        }

        Assert.False(UsesKubernetesHosting(false));
        Assert.True(UsesKubernetesHosting(true));
    }

    private static IEnumerable<string> Expressions(JsonElement element) => Walk(element)
        .Where(p => p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()!);

    private static IEnumerable<string> DatasourceUids(JsonElement element) => Walk(element)
        .Where(p => p.Name == "datasource" && p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("uid", out _))
        .Select(p => p.Value.GetProperty("uid").GetString()!).Distinct();

    private static IEnumerable<JsonProperty> Walk(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                yield return property;
                foreach (var inner in Walk(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var inner in element.EnumerateArray().SelectMany(Walk))
            {
                yield return inner;
            }
        }
    }

    private static IEnumerable<string> DependencyCycles(Dictionary<string, YamlNode> services)
    {
        var dependencies = services.ToDictionary(s => s.Key, s => s.Value.Get("depends_on").Entries().Select(e => e.Key).ToList(), StringComparer.Ordinal);
        foreach (var start in dependencies.Keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>(dependencies[start]);
            while (queue.TryDequeue(out var next))
            {
                if (next == start)
                {
                    yield return $"{start} depends on itself through its dependencies";
                    break;
                }

                if (seen.Add(next) && dependencies.TryGetValue(next, out var more))
                {
                    more.ForEach(queue.Enqueue);
                }
            }
        }
    }

    [GeneratedRegex(@"runtime_packages=\(([^)]*)\)")]
    private static partial Regex RuntimePackages();

    [GeneratedRegex(@"silero_package=""([^""]+)""")]
    private static partial Regex SileroPackage();

    /// <summary>A silo builder that only collects registrations, to see what <see cref="OrleansSiloSetup"/> adds.</summary>
    private sealed class SiloBuilderSample : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new Microsoft.Extensions.DependencyInjection.ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
