using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Discord;

/// <summary>Configuration of the Discord client (section <c>Discord</c>).</summary>
/// <remarks><see cref="ToString"/> never prints the token.</remarks>
public sealed class DiscordOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Discord";

    /// <summary>Gateway intents GUILDS (1 &lt;&lt; 0) | GUILD_VOICE_STATES (1 &lt;&lt; 7).</summary>
    public const int VoiceIntents = (1 << 0) | (1 << 7);

    /// <summary>The bot token (without the <c>Bot </c> prefix). Secret: never logged.</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>Base URL of the REST API, including the version.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://discord.com/api/v10/");

    /// <summary>Gateway URL; null to take it from <c>GET /gateway/bot</c>.</summary>
    public Uri? GatewayUrl { get; set; }

    /// <summary>Number of shards; null to take the recommendation of <c>GET /gateway/bot</c>.</summary>
    public int? ShardCount { get; set; }

    /// <summary>Identify <c>max_concurrency</c>; null to take it from <c>GET /gateway/bot</c> (1 if not asked).</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>Gateway intents sent with Identify.</summary>
    public int Intents { get; set; } = VoiceIntents;

    /// <summary>Identify connection property <c>os</c>.</summary>
    public string OsProperty { get; set; } = "linux";

    /// <summary>Identify connection property <c>browser</c> (the library name).</summary>
    public string BrowserProperty { get; set; } = "AudioOrchestrator";

    /// <summary>Identify connection property <c>device</c> (the library name).</summary>
    public string DeviceProperty { get; set; } = "AudioOrchestrator";

    /// <summary>First step of the exponential reconnect backoff.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the exponential reconnect backoff.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Lower bound of the random wait before identifying again after Invalid Session (op 9).</summary>
    public TimeSpan InvalidSessionMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the random wait before identifying again after Invalid Session (op 9).</summary>
    public TimeSpan InvalidSessionMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gateway sends allowed per <see cref="SendWindow"/> on one connection (Discord: 120 per 60 s).</summary>
    public int SendLimit { get; set; } = 120;

    /// <summary>Window of <see cref="SendLimit"/>.</summary>
    public TimeSpan SendWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Added to <see cref="SendWindow"/> on the client side: Discord counts sends by their arrival, and network jitter
    /// can bring two sends a full window apart on our clock closer together on Discord's.
    /// </summary>
    public TimeSpan SendWindowMargin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Sends of the window kept for heartbeats, Identify and Resume; commands (op 4...) use the rest.</summary>
    public int SendReserve { get; set; } = 5;

    /// <summary>Window of the identify concurrency limit (Discord: <c>max_concurrency</c> per 5 s).</summary>
    public TimeSpan IdentifyWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed to open the WebSocket and receive Hello.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest gateway message accepted; larger ones are counted and dropped.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>At most one log line per interval and kind of bad input (the rest is counted).</summary>
    public TimeSpan BadInputLogInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override string ToString() =>
        $"DiscordOptions {{ Token = {(string.IsNullOrEmpty(Token) ? "(none)" : "[redacted]")}, ApiBaseUrl = {ApiBaseUrl}, " +
        $"GatewayUrl = {GatewayUrl}, ShardCount = {ShardCount}, MaxConcurrency = {MaxConcurrency}, Intents = {Intents} }}";
}

/// <summary>Validates <see cref="DiscordOptions"/> at start-up.</summary>
public sealed class DiscordOptionsValidator : IValidateOptions<DiscordOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DiscordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Token) || options.Token.Any(char.IsWhiteSpace))
        {
            failures.Add("Discord:Token is required and must not contain whitespace.");
        }

        if (options.ApiBaseUrl is null || !options.ApiBaseUrl.IsAbsoluteUri)
        {
            failures.Add("Discord:ApiBaseUrl must be an absolute URL.");
        }

        if (options.GatewayUrl is { IsAbsoluteUri: false })
        {
            failures.Add("Discord:GatewayUrl must be an absolute URL.");
        }

        if (options.ShardCount is < 1)
        {
            failures.Add("Discord:ShardCount must be at least 1.");
        }

        if (options.MaxConcurrency is < 1)
        {
            failures.Add("Discord:MaxConcurrency must be at least 1.");
        }

        if (options.ReconnectBaseDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectBaseDelay)
        {
            failures.Add("Discord:ReconnectBaseDelay must be positive and not above ReconnectMaxDelay.");
        }

        if (options.InvalidSessionMinDelay < TimeSpan.Zero || options.InvalidSessionMaxDelay < options.InvalidSessionMinDelay)
        {
            failures.Add("Discord:InvalidSessionMinDelay must be non-negative and not above InvalidSessionMaxDelay.");
        }

        if (options.SendLimit < 1 || options.SendReserve < 0 || options.SendReserve >= options.SendLimit)
        {
            failures.Add("Discord:SendLimit must be positive and SendReserve in [0, SendLimit).");
        }

        if (options.SendWindow <= TimeSpan.Zero || options.SendWindowMargin < TimeSpan.Zero || options.IdentifyWindow < TimeSpan.Zero)
        {
            failures.Add("Discord:SendWindow must be positive, SendWindowMargin and IdentifyWindow non-negative.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.BadInputLogInterval < TimeSpan.Zero)
        {
            failures.Add("Discord:ConnectTimeout must be positive and BadInputLogInterval non-negative.");
        }

        if (options.MaxMessageBytes < 4096)
        {
            failures.Add("Discord:MaxMessageBytes must be at least 4096.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
