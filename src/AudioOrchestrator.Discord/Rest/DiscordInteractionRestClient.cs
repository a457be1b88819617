using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord.Rest;

/// <summary>
/// The REST calls of slash commands: bulk overwrite of the commands (global or per guild), the interaction callback,
/// the original response (edit, delete), ephemeral followups and channel messages. Bot-authorised calls send
/// <c>Authorization: Bot &lt;token&gt;</c>; interaction calls are authorised by the interaction token in the path.
/// Neither token is ever logged or put in an exception message.
/// </summary>
public sealed class DiscordInteractionRestClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly DiscordRestPipeline _pipeline;

    /// <summary>Creates the client.</summary>
    /// <param name="http">The HTTP client (no base address needed: the API base comes from <see cref="DiscordOptions.ApiBaseUrl"/>).</param>
    /// <param name="discord">Token and API base URL.</param>
    /// <param name="rest">Timeouts and rate-limit caps.</param>
    /// <param name="logger">Logs routes and statuses only.</param>
    /// <param name="timeProvider">Clock of timeouts and rate-limit waits.</param>
    /// <param name="ownsHttpClient">Dispose <paramref name="http"/> with this client.</param>
    public DiscordInteractionRestClient(
        HttpClient http,
        IOptions<DiscordOptions> discord,
        IOptions<DiscordRestOptions> rest,
        ILogger<DiscordInteractionRestClient> logger,
        TimeProvider? timeProvider = null,
        bool ownsHttpClient = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(discord);
        ArgumentNullException.ThrowIfNull(rest);
        ArgumentNullException.ThrowIfNull(logger);
        var restValidation = new DiscordRestOptionsValidator().Validate(null, rest.Value);
        if (restValidation.Failed)
        {
            throw new OptionsValidationException(nameof(DiscordRestOptions), typeof(DiscordRestOptions), restValidation.Failures);
        }

        _http = http;
        _ownsHttp = ownsHttpClient;
        _pipeline = new DiscordRestPipeline(http, discord.Value, rest.Value, timeProvider ?? TimeProvider.System, logger);
    }

    /// <summary><c>GET /applications/@me</c>: the bot's application id.</summary>
    public async Task<ulong> GetApplicationIdAsync(CancellationToken cancellationToken)
    {
        const string route = "GET /applications/@me";
        var body = await _pipeline.SendAsync(new DiscordRestRequest(HttpMethod.Get, "applications/@me", route, route, Authenticate: true), cancellationToken).ConfigureAwait(false);
        return Parse(route, body, root => ReadSnowflake(root, "id"));
    }

    /// <summary><c>PUT /applications/{application.id}/commands</c>: replaces every global command (idempotent).</summary>
    public Task<IReadOnlyList<RegisteredApplicationCommand>> OverwriteGlobalCommandsAsync(
        ulong applicationId, IReadOnlyList<ApplicationCommandDefinition> commands, CancellationToken cancellationToken) =>
        OverwriteAsync($"applications/{Id(applicationId)}/commands", "PUT /applications/{application.id}/commands", applicationId, commands, cancellationToken);

    /// <summary><c>PUT /applications/{application.id}/guilds/{guild.id}/commands</c>: replaces a guild's commands (visible at once; for development).</summary>
    public Task<IReadOnlyList<RegisteredApplicationCommand>> OverwriteGuildCommandsAsync(
        ulong applicationId, ulong guildId, IReadOnlyList<ApplicationCommandDefinition> commands, CancellationToken cancellationToken) =>
        OverwriteAsync(
            $"applications/{Id(applicationId)}/guilds/{Id(guildId)}/commands",
            "PUT /applications/{application.id}/guilds/{guild.id}/commands",
            applicationId,
            commands,
            cancellationToken);

    /// <summary>
    /// <c>POST /interactions/{interaction.id}/{interaction.token}/callback</c>: the interaction's one initial response,
    /// <see cref="InteractionCallbackType.ChannelMessageWithSource"/> with <paramref name="message"/> or
    /// <see cref="InteractionCallbackType.DeferredChannelMessageWithSource"/> (its <paramref name="message"/> may only carry the ephemeral flag).
    /// </summary>
    public async Task RespondAsync(ulong interactionId, string interactionToken, int callbackType, DiscordMessageContent? message, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(interactionToken);
        if (callbackType is not (InteractionCallbackType.ChannelMessageWithSource or InteractionCallbackType.DeferredChannelMessageWithSource))
        {
            throw new ArgumentOutOfRangeException(nameof(callbackType), callbackType, "Only callback types 4 and 5 are supported.");
        }

        if (callbackType == InteractionCallbackType.ChannelMessageWithSource && message is null)
        {
            throw new ArgumentNullException(nameof(message), "A type 4 response needs a message.");
        }

        var json = DiscordJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("type", callbackType);
            if (message is not null)
            {
                w.WritePropertyName("data");
                DiscordJson.WriteMessage(w, message, includeContent: callbackType == InteractionCallbackType.ChannelMessageWithSource);
            }

            w.WriteEndObject();
        });
        const string route = "POST /interactions/{interaction.id}/{interaction.token}/callback";
        await _pipeline.SendAsync(
            new DiscordRestRequest(HttpMethod.Post, $"interactions/{Id(interactionId)}/{Uri.EscapeDataString(interactionToken)}/callback", route, route + " " + Id(interactionId), Authenticate: false, json),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>PATCH /webhooks/{application.id}/{interaction.token}/messages/@original</c>: sets the text of the initial response.</summary>
    public async Task<DiscordMessage> EditOriginalResponseAsync(ulong applicationId, string interactionToken, string content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(interactionToken);
        ArgumentNullException.ThrowIfNull(content);
        const string route = "PATCH /webhooks/{application.id}/{interaction.token}/messages/@original";
        var json = DiscordJson.Write(w => DiscordJson.WriteMessage(w, new DiscordMessageContent(content), includeContent: true));
        var body = await _pipeline.SendAsync(
            new DiscordRestRequest(new HttpMethod("PATCH"), WebhookPath(applicationId, interactionToken) + "/messages/@original", route, WebhookKey(applicationId, interactionToken), Authenticate: false, json),
            cancellationToken).ConfigureAwait(false);
        return Parse(route, body, ReadMessage);
    }

    /// <summary><c>DELETE /webhooks/{application.id}/{interaction.token}/messages/@original</c>.</summary>
    public async Task DeleteOriginalResponseAsync(ulong applicationId, string interactionToken, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(interactionToken);
        const string route = "DELETE /webhooks/{application.id}/{interaction.token}/messages/@original";
        await _pipeline.SendAsync(
            new DiscordRestRequest(HttpMethod.Delete, WebhookPath(applicationId, interactionToken) + "/messages/@original", route, WebhookKey(applicationId, interactionToken), Authenticate: false),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /webhooks/{application.id}/{interaction.token}</c>: a followup message (ephemeral if asked).</summary>
    public async Task<DiscordMessage> CreateFollowupAsync(ulong applicationId, string interactionToken, DiscordMessageContent message, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(interactionToken);
        ArgumentNullException.ThrowIfNull(message);
        const string route = "POST /webhooks/{application.id}/{interaction.token}";
        var json = DiscordJson.Write(w => DiscordJson.WriteMessage(w, message, includeContent: true));
        var body = await _pipeline.SendAsync(
            new DiscordRestRequest(HttpMethod.Post, WebhookPath(applicationId, interactionToken), route, WebhookKey(applicationId, interactionToken), Authenticate: false, json),
            cancellationToken).ConfigureAwait(false);
        return Parse(route, body, ReadMessage);
    }

    /// <summary><c>POST /channels/{channel.id}/messages</c>: posts text to a channel (needs the Send Messages permission).</summary>
    public async Task<DiscordMessage> CreateMessageAsync(ulong channelId, string content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        const string route = "POST /channels/{channel.id}/messages";
        var json = DiscordJson.Write(w => DiscordJson.WriteMessage(w, new DiscordMessageContent(content), includeContent: true));
        var body = await _pipeline.SendAsync(
            new DiscordRestRequest(HttpMethod.Post, $"channels/{Id(channelId)}/messages", route, route + " " + Id(channelId), Authenticate: true, json),
            cancellationToken).ConfigureAwait(false);
        return Parse(route, body, ReadMessage);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<IReadOnlyList<RegisteredApplicationCommand>> OverwriteAsync(
        string path, string route, ulong applicationId, IReadOnlyList<ApplicationCommandDefinition> commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var json = DiscordJson.Write(w => DiscordJson.WriteCommands(w, commands));
        var body = await _pipeline.SendAsync(new DiscordRestRequest(HttpMethod.Put, path, route, route + " " + Id(applicationId), Authenticate: true, json), cancellationToken)
            .ConfigureAwait(false);
        return Parse<IReadOnlyList<RegisteredApplicationCommand>>(route, body, root => root.EnumerateArray()
            .Select(c => new RegisteredApplicationCommand(ReadSnowflake(c, "id"), c.GetProperty("name").GetString() ?? throw new FormatException("name is null")))
            .ToArray());
    }

    private static string WebhookPath(ulong applicationId, string token) => $"webhooks/{Id(applicationId)}/{Uri.EscapeDataString(token)}";

    // Webhook buckets are per webhook (application id + token); the key holds a hash of the token, never the token.
    private static string WebhookKey(ulong applicationId, string token) =>
        $"webhook {Id(applicationId)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)), 0, 8)}";

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    private static T Parse<T>(string route, byte[] body, Func<JsonElement, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return read(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DiscordRestException($"Discord REST {route} returned an unexpected body.", ex);
        }
    }

    private static DiscordMessage ReadMessage(JsonElement root) => new(
        ReadSnowflake(root, "id"),
        ReadSnowflake(root, "channel_id"),
        root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()! : string.Empty);

    private static ulong ReadSnowflake(JsonElement element, string property)
    {
        var value = element.GetProperty(property);
        return value.ValueKind == JsonValueKind.String && ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new FormatException($"{property} is not a snowflake");
    }
}
