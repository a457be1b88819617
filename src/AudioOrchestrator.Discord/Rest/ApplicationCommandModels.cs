namespace AudioOrchestrator.Discord.Rest;

/// <summary>Interaction types (the <c>type</c> of an interaction object).</summary>
public static class InteractionType
{
    /// <summary>PING (only for HTTP interactions).</summary>
    public const int Ping = 1;

    /// <summary>APPLICATION_COMMAND: a slash command.</summary>
    public const int ApplicationCommand = 2;

    /// <summary>MESSAGE_COMPONENT.</summary>
    public const int MessageComponent = 3;

    /// <summary>APPLICATION_COMMAND_AUTOCOMPLETE.</summary>
    public const int ApplicationCommandAutocomplete = 4;

    /// <summary>MODAL_SUBMIT.</summary>
    public const int ModalSubmit = 5;
}

/// <summary>Interaction callback types used by this client.</summary>
public static class InteractionCallbackType
{
    /// <summary>CHANNEL_MESSAGE_WITH_SOURCE: answer with a message now.</summary>
    public const int ChannelMessageWithSource = 4;

    /// <summary>DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: acknowledge now ("thinking..."), edit the original response later.</summary>
    public const int DeferredChannelMessageWithSource = 5;
}

/// <summary>Application command option types used by this client.</summary>
public static class ApplicationCommandOptionType
{
    /// <summary>STRING.</summary>
    public const int String = 3;

    /// <summary>CHANNEL (value: the channel id; <c>channel_types</c> restricts the choice).</summary>
    public const int Channel = 7;
}

/// <summary>Channel types used by this client.</summary>
public static class DiscordChannelType
{
    /// <summary>GUILD_VOICE.</summary>
    public const int GuildVoice = 2;

    /// <summary>GUILD_STAGE_VOICE.</summary>
    public const int GuildStageVoice = 13;
}

/// <summary>A CHAT_INPUT (slash) command as registered with a bulk overwrite.</summary>
/// <param name="Name">1-32 lower-case characters.</param>
/// <param name="Description">1-100 characters.</param>
/// <param name="Options">Parameters; required ones first.</param>
/// <param name="GuildOnly">Only usable in servers (<c>contexts: [0]</c>).</param>
public sealed record ApplicationCommandDefinition(
    string Name,
    string Description,
    IReadOnlyList<ApplicationCommandOptionDefinition> Options,
    bool GuildOnly = true);

/// <summary>One parameter of a slash command.</summary>
/// <param name="Type">An <see cref="ApplicationCommandOptionType"/>.</param>
/// <param name="Name">1-32 lower-case characters.</param>
/// <param name="Description">1-100 characters.</param>
/// <param name="Required">Whether the user must give it.</param>
/// <param name="ChannelTypes">For CHANNEL options: the channel types offered (<see cref="DiscordChannelType"/>).</param>
/// <param name="MaxLength">For STRING options: the longest value accepted (1-6000).</param>
public sealed record ApplicationCommandOptionDefinition(
    int Type,
    string Name,
    string Description,
    bool Required,
    IReadOnlyList<int>? ChannelTypes = null,
    int? MaxLength = null);

/// <summary>A command as Discord stored it (answer of the bulk overwrite).</summary>
public sealed record RegisteredApplicationCommand(ulong Id, string Name);

/// <summary>
/// The text of a message, an interaction response or a webhook edit. Mentions never ping (<c>allowed_mentions.parse</c>
/// is empty); text longer than <see cref="MaxContentLength"/> is cut with an ellipsis.
/// </summary>
/// <param name="Content">The text.</param>
/// <param name="Ephemeral">Only the invoking user sees it (message flag EPHEMERAL, 1 &lt;&lt; 6); interaction responses only.</param>
public sealed record DiscordMessageContent(string Content, bool Ephemeral = false)
{
    /// <summary>Discord's limit of the <c>content</c> field.</summary>
    public const int MaxContentLength = 2000;

    /// <summary>Message flag EPHEMERAL.</summary>
    public const int EphemeralFlag = 1 << 6;

    /// <summary>The content as sent: cut to <see cref="MaxContentLength"/> characters.</summary>
    public string SentContent => Content.Length <= MaxContentLength ? Content : string.Concat(Content.AsSpan(0, MaxContentLength - 1), "…");
}

/// <summary>A message Discord created (or edited).</summary>
public sealed record DiscordMessage(ulong Id, ulong ChannelId, string Content);
