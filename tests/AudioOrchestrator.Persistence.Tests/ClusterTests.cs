using System.Net;
using System.Net.Http.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace AudioOrchestrator.Persistence.Tests;

/// <summary>Several silos with Cluster:Clustering=AdoNet form one cluster through PostgreSQL membership.</summary>
[Collection("PostgreSQL")] // one at a time: each test starts silos on a shared 2-core machine
public sealed class ClusterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_silos_form_one_cluster_and_serve_the_same_session_and_clients_and_ingress_processes_find_the_gateways()
    {
        await using var db = await PostgresTestDatabase.CreateAsync(Ct);
        var id = Guid.NewGuid().ToString("N")[..8];
        var settings = TestService.AdoNet(db.ConnectionString, "cluster-" + id, "service-" + id);
        await using var a = await TestService.StartAsync(settings);
        await using var b = await TestService.StartAsync(settings);

        // Both silos see each other as active.
        foreach (var silo in new[] { a, b })
        {
            var management = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            var hosts = await TestWait.ForAsync(() => management.GetHosts(onlyActive: true), h => h.Count == 2, "both silos active", TimeSpan.FromSeconds(30));
            Assert.Equal(2, hosts.Count);
        }

        Assert.Equal(2L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_cluster_member WHERE cluster_id = @cluster AND status = 3", ("cluster", "cluster-" + id)));

        // A turn asked through one silo's REST API is in the session read through the other's, and back.
        var session = "shared-" + id;
        using (var posted = await a.AskEchoAsync(session))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        var viaB = await b.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        Assert.Single(viaB!.History);
        using (var posted = await b.AskEchoAsync(session))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        var viaA = await a.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        Assert.Equal(2, viaA!.History.Count);

        // An Orleans client with AdoNet clustering finds the gateways in the membership table.
        var clientBuilder = Host.CreateApplicationBuilder();
        clientBuilder.Logging.ClearProviders();
        clientBuilder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("cluster-" + id, "service-" + id))
            .UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansSiloSetup.PostgresInvariant, db.ConnectionString)));
        using var clientHost = clientBuilder.Build();
        await clientHost.StartAsync(Ct);
        try
        {
            var viaClient = await clientHost.Services.GetRequiredService<IClusterClient>().GetGrain<IConversationGrain>(session).GetSnapshotAsync();
            Assert.Equal(2, viaClient!.History.Count);
        }
        finally
        {
            await clientHost.StopAsync(CancellationToken.None);
        }

        // A separate ingress process (Cluster:Role=Ingress) finds the cluster through the same membership table and
        // takes uploads that the silos answer.
        var ingressSettings = new Dictionary<string, string?>(settings) { ["Cluster:Role"] = "Ingress" };
        await using (var ingress = await TestService.StartAsync(ingressSettings))
        {
            Assert.Null(ingress.Services.GetService<IManagementGrain>());
            using var ready = await ingress.Http.GetAsync("/health/ready", Ct);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using (var posted = await ingress.AskEchoAsync(session))
            {
                Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            }

            var viaIngress = await ingress.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
            Assert.Equal(3, viaIngress!.History.Count);
            Assert.Contains(ingress.Logs, l => l.Contains("Role: Ingress", StringComparison.Ordinal));
        }

        // Leaving the cluster hands stream pub-sub state over between silos: it must read back (no serializer mismatch).
        await b.StopAsync();
        await a.StopAsync();
        Assert.DoesNotContain(a.Logs.Concat(b.Logs), l => l.Contains("Unable to convert from storage format", StringComparison.Ordinal));
    }
}
