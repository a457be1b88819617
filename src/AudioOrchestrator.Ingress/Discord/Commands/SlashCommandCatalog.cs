using AudioOrchestrator.Discord.Rest;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>The slash commands the bot registers: <c>/join [channel]</c>, <c>/leave</c>, <c>/ask &lt;question&gt;</c>, <c>/status</c>.</summary>
public static class SlashCommandCatalog
{
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Ask = "ask";
    public const string Status = "status";
    public const string ChannelOption = "channel";
    public const string QuestionOption = "question";

    /// <summary>Longest question accepted (Discord enforces it in the client).</summary>
    public const int MaxQuestionLength = 1000;

    /// <summary>The definitions sent with the bulk overwrite.</summary>
    public static IReadOnlyList<ApplicationCommandDefinition> Definitions { get; } =
    [
        new(Join, "Join a voice channel (yours if none is given) and answer there",
        [
            new ApplicationCommandOptionDefinition(
                ApplicationCommandOptionType.Channel, ChannelOption, "The voice channel to join", Required: false,
                ChannelTypes: [DiscordChannelType.GuildVoice, DiscordChannelType.GuildStageVoice]),
        ]),
        new(Leave, "Leave the voice channel", []),
        new(Ask, "Ask the assistant; answered in voice when it is in a channel, and here in text",
        [
            new ApplicationCommandOptionDefinition(
                ApplicationCommandOptionType.String, QuestionOption, "What to ask, e.g. \"what time is it\"", Required: true, MaxLength: MaxQuestionLength),
        ]),
        new(Status, "Voice connection, speakers, encryption and conversation of this server", []),
    ];
}
