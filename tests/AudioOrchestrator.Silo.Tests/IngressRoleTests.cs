using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Uploads;
using AudioOrchestrator.Silo.Hosting;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Tests;

/// <summary>
/// <c>Cluster:Role=Ingress</c>: a second process, an Orleans client of the running service's cluster, takes the REST
/// uploads; the silo hears and answers them.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class IngressRoleTests(ServiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebApplication BuildIngress(IDictionary<string, string?> settings, CapturedLogs? logs = null) =>
        ServiceApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }
        });

    [Fact]
    public async Task An_ingress_process_takes_an_upload_and_the_silo_answers_it()
    {
        var gatewayPort = service.Services.GetRequiredService<IConfiguration>()["Cluster:GatewayPort"];
        var logs = new CapturedLogs();
        await using var ingress = BuildIngress(
            new Dictionary<string, string?>
            {
                ["Cluster:Role"] = "Ingress",
                ["Cluster:GatewayPort"] = gatewayPort,
                ["Ingress:MaxUploadBytes"] = ServiceFixture.UploadLimit.ToString(CultureInfo.InvariantCulture),
                ["Archive:SqlitePath"] = service.ArchivePath,
            },
            logs);
        await ingress.StartAsync(Ct);
        using var http = new HttpClient
        {
            BaseAddress = new Uri(ingress.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
            Timeout = TimeSpan.FromSeconds(60),
        };

        // No silo and no speech engines in the ingress process: the answer can only come from the cluster.
        Assert.Null(ingress.Services.GetService<ISpeechToTextClient>());
        Assert.Null(ingress.Services.GetService<ITextToSpeechClient>());
        Assert.Null(ingress.Services.GetService<Orleans.Runtime.ISiloStatusOracle>());
        Assert.Contains(logs.Lines, l => l.Contains("Role: Ingress", StringComparison.Ordinal) && l.Contains($"127.0.0.1:{gatewayPort}", StringComparison.Ordinal));

        using var ready = await http.GetAsync("/health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(Ct));

        var session = "ingress-" + Guid.NewGuid().ToString("N")[..8];
        using var content = new ByteArrayContent(await EspeakCli.SayAsync("echo hello world", Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        using var response = await http.PostAsync($"/api/v1/sessions/{session}/utterances", content, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<UtteranceResponse>(Ct);
        Assert.NotNull(body);
        Assert.Equal(("echo hello world", "echo", "hello world"), (body!.Transcript, body.Agent, body.ResponseText));

        // The spoken answer, served by the ingress process that took the upload, says "hello world".
        Assert.StartsWith(http.BaseAddress!.ToString().TrimEnd('/'), body.ResponseAudioUrl, StringComparison.Ordinal);
        var answerWav = await http.GetByteArrayAsync(body.ResponseAudioUrl, Ct);
        using var answerStream = new MemoryStream(answerWav);
        var heard = await service.Services.GetRequiredService<ISpeechToTextClient>().GetTextAsync(answerStream, cancellationToken: Ct);
        Assert.Equal("hello world", heard.Text);

        // The session endpoints reach the grains through the client; the silo sees the same turn.
        var throughIngress = await http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        var throughSilo = await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{session}", Ct);
        Assert.Equal("echo hello world", Assert.Single(throughIngress!.History).Transcript);
        Assert.Equal("echo hello world", Assert.Single(throughSilo!.History).Transcript);

        // The agent list and the Dashboard need a silo: not served here.
        using var agents = await http.GetAsync("/api/v1/agents", Ct);
        Assert.Equal(HttpStatusCode.NotFound, agents.StatusCode);

        await ingress.StopAsync(Ct);
    }

    [Fact]
    public async Task An_ingress_process_with_a_discord_token_has_every_service_the_transport_and_commands_need()
    {
        // Development validates the container at build: a service only a silo registers would fail here.
        await using var ingress = ServiceApp.Build(["--environment", "Development"], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Role"] = "Ingress",
                ["Discord:Token"] = "test-token",
            });
        });

        Assert.Equal("Development", ingress.Environment.EnvironmentName);
        Assert.NotNull(ingress.Services.GetService<AudioOrchestrator.Ingress.Discord.IGuildVoiceControl>());
        Assert.NotNull(ingress.Services.GetService<AudioOrchestrator.Ingress.Discord.Commands.SlashCommandService>());
    }

    [Theory]
    [InlineData("Worker")]
    [InlineData("ingress")]
    public void An_unknown_role_stops_start_up_naming_the_key_and_the_roles(string role)
    {
        var error = Assert.Throws<OptionsValidationException>(() => BuildIngress(new Dictionary<string, string?> { ["Cluster:Role"] = role }));

        Assert.Contains($"Cluster:Role '{role}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Silo'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Ingress'", error.Message, StringComparison.Ordinal);
    }
}
