using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AudioOrchestrator.Discord.Fakes;

/// <summary>A request the fake REST API received (path as sent; the Authorization header reduced to whether it was right).</summary>
public sealed record FakeRestRequest(string Method, string Path, string Body, bool BotAuthorized, int Status);

/// <summary>An interaction the fake created and dispatched, with its state.</summary>
public sealed class FakeInteraction
{
    internal FakeInteraction(ulong id, string token, ulong applicationId, ulong? guildId, ulong channelId)
    {
        Id = id;
        Token = token;
        ApplicationId = applicationId;
        GuildId = guildId;
        ChannelId = channelId;
    }

    /// <summary>The interaction id.</summary>
    public ulong Id { get; }

    /// <summary>The interaction token (callback once, then webhooks).</summary>
    public string Token { get; }

    /// <summary>The application id.</summary>
    public ulong ApplicationId { get; }

    /// <summary>The guild.</summary>
    public ulong? GuildId { get; }

    /// <summary>The channel the command was used in.</summary>
    public ulong ChannelId { get; }

    /// <summary>The callback type the client answered with (null: not answered yet).</summary>
    public int? CallbackType { get; internal set; }

    /// <summary>The flags of the callback data (64 = ephemeral).</summary>
    public int CallbackFlags { get; internal set; }

    /// <summary>The current text of the original response (null: none, or deleted).</summary>
    public string? OriginalContent { get; internal set; }

    /// <summary>Whether the original response was deleted.</summary>
    public bool OriginalDeleted { get; internal set; }

    /// <summary>Followup messages: text and flags.</summary>
    public IReadOnlyList<(string Content, int Flags)> Followups => [.. FollowupList];

    /// <summary>Whether the client answered with an ephemeral message (callback or followup).</summary>
    public bool AnsweredEphemerally =>
        (CallbackType == 4 && (CallbackFlags & 64) != 0) || FollowupList.Any(f => (f.Flags & 64) != 0);

    internal ConcurrentQueue<(string Content, int Flags)> FollowupList { get; } = new();

    internal object Gate { get; } = new();
}

/// <summary>A message posted with <c>POST /channels/{id}/messages</c>.</summary>
public sealed record FakeChannelMessage(ulong Id, ulong ChannelId, string Content);

/// <summary>
/// The REST endpoints of slash commands, written from the interactions documentation: bulk overwrite of global and
/// guild commands (validated like Discord: names, descriptions, option order, channel types), <c>GET
/// /applications/@me</c>, the interaction callback (one per interaction token; 404 unknown interaction, 400 already
/// acknowledged / bad type / empty message), the original response (PATCH, DELETE), followups and channel messages.
/// Bot routes answer 401 without the right <c>Bot</c> token; malformed JSON gets 400 (50109); tests can ask for 429s.
/// </summary>
public sealed partial class FakeDiscordRest
{
    private const int MaxContentLength = 2000;
    private readonly FakeDiscordServer _server;
    private readonly ConcurrentQueue<FakeRestRequest> _requests = new();
    private readonly ConcurrentDictionary<ulong, FakeInteraction> _interactions = new();
    private readonly ConcurrentDictionary<string, FakeInteraction> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeChannelMessage> _channelMessages = new();
    private readonly ConcurrentDictionary<ulong, string> _guildCommands = new();
    private readonly object _gate = new();
    private string? _globalCommands;
    private long _nextId = 1_100_000_000_000_000_000;
    private int _pending429;
    private double _retryAfterSeconds;
    private bool _global429;

    internal FakeDiscordRest(FakeDiscordServer server) => _server = server;

    /// <summary>Every request so far.</summary>
    public IReadOnlyList<FakeRestRequest> Requests => _requests.ToArray();

    /// <summary>The global commands last registered (JSON array), or null.</summary>
    public string? GlobalCommands => _globalCommands;

    /// <summary>Guild commands last registered per guild (JSON arrays).</summary>
    public IReadOnlyDictionary<ulong, string> GuildCommands => _guildCommands;

    /// <summary>Messages posted to channels.</summary>
    public IReadOnlyList<FakeChannelMessage> ChannelMessages => _channelMessages.ToArray();

    /// <summary>Every interaction created with <see cref="SendSlashCommandAsync"/>.</summary>
    public IReadOnlyCollection<FakeInteraction> Interactions => _interactions.Values.ToArray();

    /// <summary>Delay before the fake answers any REST request (to test timeouts).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>The next <paramref name="count"/> requests are answered 429 with <c>retry_after</c> = <paramref name="retryAfterSeconds"/>.</summary>
    public void RateLimitNext(int count, double retryAfterSeconds, bool global = false)
    {
        lock (_gate)
        {
            _pending429 = count;
            _retryAfterSeconds = retryAfterSeconds;
            _global429 = global;
        }
    }

    /// <summary>
    /// Creates an APPLICATION_COMMAND interaction (fresh id and token) and dispatches it as INTERACTION_CREATE on the
    /// gateway session of the guild's shard. <paramref name="optionsJson"/> is the <c>data.options</c> array (or null);
    /// <paramref name="resolvedJson"/> the <c>data.resolved</c> object (or null).
    /// </summary>
    public async Task<FakeInteraction> SendSlashCommandAsync(
        ulong guildId, ulong channelId, ulong userId, string commandName, string? optionsJson = null, string? resolvedJson = null)
    {
        var interaction = CreateInteraction(guildId, channelId);
        var json = FakeDiscordServer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", Id(interaction.Id));
            w.WriteString("application_id", Id(interaction.ApplicationId));
            w.WriteNumber("type", 2);
            w.WriteStartObject("data");
            w.WriteString("id", Id(NextId()));
            w.WriteString("name", commandName);
            w.WriteNumber("type", 1);
            if (optionsJson is not null)
            {
                w.WritePropertyName("options");
                w.WriteRawValue(optionsJson);
            }

            if (resolvedJson is not null)
            {
                w.WritePropertyName("resolved");
                w.WriteRawValue(resolvedJson);
            }

            w.WriteEndObject();
            w.WriteString("guild_id", Id(guildId));
            w.WriteStartObject("channel");
            w.WriteString("id", Id(channelId));
            w.WriteNumber("type", 0);
            w.WriteEndObject();
            w.WriteString("channel_id", Id(channelId));
            w.WriteStartObject("member");
            w.WriteStartObject("user");
            w.WriteString("id", Id(userId));
            w.WriteString("username", "user" + Id(userId));
            w.WriteString("discriminator", "0");
            w.WriteEndObject();
            w.WriteStartArray("roles");
            w.WriteEndArray();
            w.WriteString("permissions", "3148800");
            w.WriteEndObject();
            w.WriteString("token", interaction.Token);
            w.WriteNumber("version", 1);
            w.WriteString("locale", "en-US");
            w.WriteString("guild_locale", "en-US");
            w.WriteString("app_permissions", "3148800");
            w.WriteStartArray("entitlements");
            w.WriteEndArray();
            w.WriteStartObject("authorizing_integration_owners");
            w.WriteString("0", Id(guildId));
            w.WriteEndObject();
            w.WriteNumber("context", 0);
            w.WriteEndObject();
        });
        await DispatchForGuildAsync(guildId, json).ConfigureAwait(false);
        return interaction;
    }

    /// <summary>Dispatches a raw INTERACTION_CREATE body (e.g. malformed) on the guild's shard.</summary>
    public Task DispatchRawInteractionAsync(ulong guildId, string dataJson) => DispatchForGuildAsync(guildId, dataJson);

    /// <summary>Registers an interaction the REST API will accept (id, token), without dispatching it.</summary>
    public FakeInteraction CreateInteraction(ulong? guildId, ulong channelId)
    {
        var interaction = new FakeInteraction(NextId(), "aW50ZXJhY3Rpb246" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), _server.Options.ApplicationId, guildId, channelId);
        _interactions[interaction.Id] = interaction;
        _byToken[interaction.Token] = interaction;
        return interaction;
    }

    internal void Map(WebApplication app)
    {
        app.MapGet("/api/v10/applications/@me", ctx => HandleAsync(ctx, bot: true, GetApplicationAsync));
        app.MapPut("/api/v10/applications/{applicationId}/commands", ctx => HandleAsync(ctx, bot: true, PutGlobalCommandsAsync));
        app.MapPut("/api/v10/applications/{applicationId}/guilds/{guildId}/commands", ctx => HandleAsync(ctx, bot: true, PutGuildCommandsAsync));
        app.MapPost("/api/v10/interactions/{interactionId}/{token}/callback", ctx => HandleAsync(ctx, bot: false, CallbackAsync));
        app.MapMethods("/api/v10/webhooks/{applicationId}/{token}/messages/@original", ["PATCH"], ctx => HandleAsync(ctx, bot: false, EditOriginalAsync));
        app.MapDelete("/api/v10/webhooks/{applicationId}/{token}/messages/@original", ctx => HandleAsync(ctx, bot: false, DeleteOriginalAsync));
        app.MapPost("/api/v10/webhooks/{applicationId}/{token}", ctx => HandleAsync(ctx, bot: false, FollowupAsync));
        app.MapPost("/api/v10/channels/{channelId}/messages", ctx => HandleAsync(ctx, bot: true, CreateMessageAsync));
    }

    private async Task DispatchForGuildAsync(ulong guildId, string dataJson)
    {
        var session = _server.Sessions
            .Where(s => !s.Invalidated && (int)((guildId >> 22) % (ulong)Math.Max(1, s.ShardCount)) == s.ShardId)
            .OrderByDescending(s => s.CreatedAt)
            .FirstOrDefault() ?? throw new InvalidOperationException($"No gateway session carries guild {guildId}.");
        await session.DispatchAsync("INTERACTION_CREATE", dataJson).ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context, bool bot, Func<Call, Task<Reply>> handle)
    {
        if (ResponseDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(ResponseDelay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync().ConfigureAwait(false);
        var authorized = context.Request.Headers.Authorization.ToString() == "Bot " + _server.Options.Token;
        Reply reply;
        if (TryTake429(out var retryAfter, out var global))
        {
            context.Response.Headers["Retry-After"] = Math.Ceiling(retryAfter).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-RateLimit-Limit"] = "5";
            context.Response.Headers["X-RateLimit-Remaining"] = "0";
            context.Response.Headers["X-RateLimit-Reset-After"] = retryAfter.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-RateLimit-Scope"] = global ? "global" : "user";
            if (global)
            {
                context.Response.Headers["X-RateLimit-Global"] = "true";
            }

            reply = new Reply(429, $$"""{"message": "You are being rate limited.", "retry_after": {{retryAfter.ToString(CultureInfo.InvariantCulture)}}, "global": {{(global ? "true" : "false")}}}""");
        }
        else if (bot && !authorized)
        {
            reply = new Reply(401, """{"message": "401: Unauthorized", "code": 0}""");
        }
        else
        {
            reply = await handle(new Call(context, body)).ConfigureAwait(false);
        }

        _requests.Enqueue(new FakeRestRequest(context.Request.Method, context.Request.Path.Value ?? string.Empty, body, authorized, reply.Status));
        context.Response.StatusCode = reply.Status;
        if (reply.Json is { } json)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json).ConfigureAwait(false);
        }
    }

    private bool TryTake429(out double retryAfter, out bool global)
    {
        lock (_gate)
        {
            retryAfter = _retryAfterSeconds;
            global = _global429;
            if (_pending429 <= 0)
            {
                return false;
            }

            _pending429--;
            return true;
        }
    }

    private Task<Reply> GetApplicationAsync(Call call) =>
        Task.FromResult(new Reply(200, $$"""{"id": "{{Id(_server.Options.ApplicationId)}}", "name": "fake-bot", "description": "", "bot_public": true, "flags": 0}"""));

    private Task<Reply> PutGlobalCommandsAsync(Call call) => PutCommandsAsync(call, null);

    private Task<Reply> PutGuildCommandsAsync(Call call) =>
        Route(call, "guildId") is { } guildId ? PutCommandsAsync(call, guildId) : Task.FromResult(new Reply(404, """{"message": "Unknown Guild", "code": 10004}"""));

    private Task<Reply> PutCommandsAsync(Call call, ulong? guildId)
    {
        if (Route(call, "applicationId") != _server.Options.ApplicationId)
        {
            return Task.FromResult(new Reply(403, """{"message": "Missing Access", "code": 50001}"""));
        }

        if (!TryParse(call.Body, out var root))
        {
            return Task.FromResult(InvalidJson);
        }

        using (root)
        {
            if (ValidateCommands(root.RootElement) is { } error)
            {
                return Task.FromResult(InvalidForm(error));
            }

            var registered = FakeDiscordServer.Json(w =>
            {
                w.WriteStartArray();
                foreach (var command in root.RootElement.EnumerateArray())
                {
                    w.WriteStartObject();
                    w.WriteString("id", Id(NextId()));
                    w.WriteString("application_id", Id(_server.Options.ApplicationId));
                    if (guildId is { } g)
                    {
                        w.WriteString("guild_id", Id(g));
                    }

                    w.WriteString("version", Id(NextId()));
                    foreach (var property in command.EnumerateObject())
                    {
                        property.WriteTo(w);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            if (guildId is { } guild)
            {
                _guildCommands[guild] = call.Body;
            }
            else
            {
                _globalCommands = call.Body;
            }

            return Task.FromResult(new Reply(200, registered));
        }
    }

    private Task<Reply> CallbackAsync(Call call)
    {
        if (!ulong.TryParse(call.Context.Request.RouteValues["interactionId"]?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !_interactions.TryGetValue(id, out var interaction)
            || interaction.Token != call.Context.Request.RouteValues["token"]?.ToString())
        {
            return Task.FromResult(new Reply(404, """{"message": "Unknown interaction", "code": 10062}"""));
        }

        if (!TryParse(call.Body, out var document))
        {
            return Task.FromResult(InvalidJson);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || !typeElement.TryGetInt32(out var type))
            {
                return Task.FromResult(InvalidForm("type: This field is required"));
            }

            // APPLICATION_COMMAND interactions accept 4 (message), 5 (deferred), 9 (modal); 1 is PING-only, 6/7 component-only.
            if (type is not (4 or 5 or 9))
            {
                return Task.FromResult(InvalidForm($"type: Value must be one of (4, 5, 9) for this interaction, got {type}"));
            }

            var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
            var flags = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("flags", out var f) && f.TryGetInt32(out var flagValue) ? flagValue : 0;
            string? content = null;
            if (type == 4)
            {
                content = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                if (string.IsNullOrEmpty(content))
                {
                    return Task.FromResult(new Reply(400, """{"message": "Cannot send an empty message", "code": 50006}"""));
                }

                if (content.Length > MaxContentLength)
                {
                    return Task.FromResult(InvalidForm("data.content: Must be 2000 or fewer in length."));
                }
            }

            if (type == 5 && (flags & ~64) != 0)
            {
                return Task.FromResult(InvalidForm("data.flags: only EPHEMERAL may be set on a deferred response"));
            }

            lock (interaction.Gate)
            {
                if (interaction.CallbackType is not null)
                {
                    return Task.FromResult(new Reply(400, """{"message": "Interaction has already been acknowledged.", "code": 40060}"""));
                }

                interaction.CallbackType = type;
                interaction.CallbackFlags = flags;
                interaction.OriginalContent = content;
            }

            return Task.FromResult(new Reply(204, null));
        }
    }

    private Task<Reply> EditOriginalAsync(Call call)
    {
        if (FindWebhook(call) is not { } interaction)
        {
            return Task.FromResult(UnknownWebhook);
        }

        if (!TryReadContent(call.Body, out var content, out var flags, out var error))
        {
            return Task.FromResult(error!);
        }

        lock (interaction.Gate)
        {
            if (interaction.CallbackType is null || interaction.OriginalDeleted)
            {
                return Task.FromResult(new Reply(404, """{"message": "Unknown Message", "code": 10008}"""));
            }

            interaction.OriginalContent = content;
        }

        return Task.FromResult(new Reply(200, MessageJson(interaction.Id, interaction.ChannelId, content, interaction.CallbackFlags | flags)));
    }

    private Task<Reply> DeleteOriginalAsync(Call call)
    {
        if (FindWebhook(call) is not { } interaction)
        {
            return Task.FromResult(UnknownWebhook);
        }

        lock (interaction.Gate)
        {
            if (interaction.CallbackType is null || interaction.OriginalDeleted)
            {
                return Task.FromResult(new Reply(404, """{"message": "Unknown Message", "code": 10008}"""));
            }

            interaction.OriginalDeleted = true;
            interaction.OriginalContent = null;
        }

        return Task.FromResult(new Reply(204, null));
    }

    private Task<Reply> FollowupAsync(Call call)
    {
        if (FindWebhook(call) is not { } interaction)
        {
            return Task.FromResult(UnknownWebhook);
        }

        if (!TryReadContent(call.Body, out var content, out var flags, out var error))
        {
            return Task.FromResult(error!);
        }

        if (interaction.CallbackType is null)
        {
            return Task.FromResult(new Reply(400, """{"message": "Interaction has not been acknowledged.", "code": 40061}"""));
        }

        interaction.FollowupList.Enqueue((content, flags));
        return Task.FromResult(new Reply(200, MessageJson(NextId(), interaction.ChannelId, content, flags)));
    }

    private Task<Reply> CreateMessageAsync(Call call)
    {
        var channelId = Route(call, "channelId");
        if (channelId is null)
        {
            return Task.FromResult(new Reply(404, """{"message": "Unknown Channel", "code": 10003}"""));
        }

        if (!TryReadContent(call.Body, out var content, out var flags, out var error))
        {
            return Task.FromResult(error!);
        }

        var id = NextId();
        _channelMessages.Enqueue(new FakeChannelMessage(id, channelId.Value, content));
        return Task.FromResult(new Reply(200, MessageJson(id, channelId.Value, content, flags)));
    }

    private FakeInteraction? FindWebhook(Call call)
    {
        var token = call.Context.Request.RouteValues["token"]?.ToString() ?? string.Empty;
        return _byToken.TryGetValue(token, out var interaction) && Route(call, "applicationId") == interaction.ApplicationId ? interaction : null;
    }

    private static bool TryReadContent(string body, out string content, out int flags, out Reply? error)
    {
        content = string.Empty;
        flags = 0;
        error = null;
        if (!TryParse(body, out var document))
        {
            error = InvalidJson;
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = InvalidForm("body: must be an object");
                return false;
            }

            content = root.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() ?? string.Empty : string.Empty;
            flags = root.TryGetProperty("flags", out var f) && f.TryGetInt32(out var value) ? value : 0;
            if (content.Length == 0)
            {
                error = new Reply(400, """{"message": "Cannot send an empty message", "code": 50006}""");
                return false;
            }

            if (content.Length > MaxContentLength)
            {
                error = InvalidForm("content: Must be 2000 or fewer in length.");
                return false;
            }

            return true;
        }
    }

    private static string? ValidateCommands(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            return "body: must be an array of application commands";
        }

        if (root.GetArrayLength() > 100)
        {
            return "body: at most 100 commands";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in root.EnumerateArray())
        {
            if (command.ValueKind != JsonValueKind.Object)
            {
                return "command: must be an object";
            }

            var name = String(command, "name");
            if (name is null || !CommandName().IsMatch(name) || name != name.ToLowerInvariant())
            {
                return $"name: invalid command name '{name}'";
            }

            if (!names.Add(name))
            {
                return $"name: duplicate command name '{name}'";
            }

            if (command.TryGetProperty("type", out var type) && (!type.TryGetInt32(out var commandType) || commandType is < 1 or > 4))
            {
                return "type: invalid command type";
            }

            if (String(command, "description") is not { Length: >= 1 and <= 100 })
            {
                return $"{name}.description: must be 1-100 characters";
            }

            if (command.TryGetProperty("options", out var options) && ValidateOptions(name, options) is { } optionError)
            {
                return optionError;
            }
        }

        return null;
    }

    private static string? ValidateOptions(string command, JsonElement options)
    {
        if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() > 25)
        {
            return $"{command}.options: must be an array of at most 25 options";
        }

        var seenOptional = false;
        foreach (var option in options.EnumerateArray())
        {
            var name = String(option, "name");
            if (name is null || !CommandName().IsMatch(name) || name != name.ToLowerInvariant())
            {
                return $"{command}.options.name: invalid option name '{name}'";
            }

            if (!option.TryGetProperty("type", out var type) || !type.TryGetInt32(out var optionType) || optionType is < 1 or > 11)
            {
                return $"{command}.{name}.type: invalid option type";
            }

            if (String(option, "description") is not { Length: >= 1 and <= 100 })
            {
                return $"{command}.{name}.description: must be 1-100 characters";
            }

            var required = option.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True;
            if (required && seenOptional)
            {
                return $"{command}.{name}: required options must be placed before non-required options";
            }

            seenOptional |= !required;
            if (option.TryGetProperty("channel_types", out var channelTypes)
                && (optionType != 7 || channelTypes.ValueKind != JsonValueKind.Array || channelTypes.EnumerateArray().Any(t => !t.TryGetInt32(out _))))
            {
                return $"{command}.{name}.channel_types: only for CHANNEL options, an array of channel types";
            }

            if (option.TryGetProperty("max_length", out var maxLength)
                && (optionType != 3 || !maxLength.TryGetInt32(out var max) || max is < 1 or > 6000))
            {
                return $"{command}.{name}.max_length: only for STRING options, 1-6000";
            }
        }

        return null;
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryParse(string body, out JsonDocument document)
    {
        try
        {
            document = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            document = null!;
            return false;
        }
    }

    private static ulong? Route(Call call, string name) =>
        ulong.TryParse(call.Context.Request.RouteValues[name]?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static string MessageJson(ulong id, ulong channelId, string content, int flags) => FakeDiscordServer.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", Id(id));
        w.WriteString("channel_id", Id(channelId));
        w.WriteString("content", content);
        w.WriteNumber("flags", flags);
        w.WriteNumber("type", 0);
        w.WriteEndObject();
    });

    private static Reply InvalidJson => new(400, """{"message": "The request body contains invalid JSON.", "code": 50109}""");

    private static Reply UnknownWebhook => new(404, """{"message": "Unknown Webhook", "code": 10015}""");

    private static Reply InvalidForm(string error) =>
        new(400, FakeDiscordServer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", "Invalid Form Body");
            w.WriteNumber("code", 50035);
            w.WriteString("errors", error);
            w.WriteEndObject();
        }));

    private ulong NextId() => (ulong)Interlocked.Increment(ref _nextId);

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[-_'\p{L}\p{N}]{1,32}$")]
    private static partial Regex CommandName();

    private sealed record Call(HttpContext Context, string Body);

    private sealed record Reply(int Status, string? Json);
}
