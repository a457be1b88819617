using System.Net;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>Without <c>Discord:Token</c> the service starts without the transport and says so on the operator API.</summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class DiscordNotConfiguredTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_token_the_service_starts_and_the_guild_api_answers_503()
    {
        await using var service = await DiscordService.StartAsync([1], toneEngines: true, discord: false);

        using var list = await service.Http.GetAsync("/api/v1/guilds", Ct);
        using var content = new StringContent("{\"channelId\":\"2\"}", System.Text.Encoding.UTF8, "application/json");
        using var join = await service.Http.PostAsync("/api/v1/guilds/1/voice", content, Ct);
        using var leave = await service.Http.DeleteAsync("/api/v1/guilds/1/voice", Ct);

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable], [list.StatusCode, join.StatusCode, leave.StatusCode]);
        Assert.Null(service.Services.GetService<IGuildVoiceControl>());
        Assert.IsType<LoggingDiscordTextFallback>(service.Services.GetRequiredService<IDiscordTextFallback>());
        Assert.Empty(service.Discord.Gateway.Connections);
    }
}
