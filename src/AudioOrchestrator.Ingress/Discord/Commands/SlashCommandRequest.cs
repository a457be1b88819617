using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Rest;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>A slash command used in a guild, with its options read from <c>data.options</c> (and <c>data.resolved</c>).</summary>
/// <remarks><see cref="ToString"/> does not print the interaction token.</remarks>
public sealed record SlashCommandRequest(
    ulong InteractionId,
    ulong ApplicationId,
    string Token,
    ulong GuildId,
    ulong? ChannelId,
    ulong UserId,
    string Name,
    IReadOnlyDictionary<string, SlashCommandOption> Options)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"SlashCommandRequest {{ InteractionId = {InteractionId}, GuildId = {GuildId}, ChannelId = {ChannelId}, UserId = {UserId}, Name = {Name}, Token = [redacted] }}";

    /// <summary>
    /// Reads an INTERACTION_CREATE of type APPLICATION_COMMAND. False with a message for the user when it is not one
    /// this bot can serve (not a command, no guild, no user, malformed options).
    /// </summary>
    public static bool TryParse(InteractionCreate interaction, out SlashCommandRequest? request, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        request = null;
        if (interaction.Type != InteractionType.ApplicationCommand)
        {
            problem = "This kind of interaction is not supported.";
            return false;
        }

        if (interaction.GuildId is not { } guildId)
        {
            problem = "Use this command in a server, not in a direct message.";
            return false;
        }

        if (interaction.UserId is not { } userId || string.IsNullOrEmpty(interaction.CommandName))
        {
            problem = "The command arrived incomplete (no user or command name).";
            return false;
        }

        var options = new Dictionary<string, SlashCommandOption>(StringComparer.Ordinal);
        if (interaction.Data.ValueKind == JsonValueKind.Object && interaction.Data.TryGetProperty("options", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                problem = "The command's options are malformed.";
                return false;
            }

            foreach (var option in list.EnumerateArray())
            {
                if (!SlashCommandOption.TryRead(option, interaction.Data, out var parsed))
                {
                    problem = "The command's options are malformed.";
                    return false;
                }

                options[parsed!.Name] = parsed;
            }
        }

        request = new SlashCommandRequest(interaction.Id, interaction.ApplicationId, interaction.Token, guildId, interaction.ChannelId, userId, interaction.CommandName, options);
        problem = null;
        return true;
    }
}

/// <summary>One option value: the text of a STRING option, or the id (and resolved type, if given) of a CHANNEL option.</summary>
public sealed record SlashCommandOption(string Name, int Type, string? Text, ulong? ChannelId, int? ChannelType)
{
    internal static bool TryRead(JsonElement option, JsonElement data, out SlashCommandOption? parsed)
    {
        parsed = null;
        if (option.ValueKind != JsonValueKind.Object
            || !option.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || !option.TryGetProperty("type", out var typeElement) || !typeElement.TryGetInt32(out var type))
        {
            return false;
        }

        var name = nameElement.GetString()!;
        var value = option.TryGetProperty("value", out var v) ? v : default;
        switch (type)
        {
            case ApplicationCommandOptionType.String:
                if (value.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                parsed = new SlashCommandOption(name, type, value.GetString(), null, null);
                return true;
            case ApplicationCommandOptionType.Channel:
                if (value.ValueKind != JsonValueKind.String
                    || !ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var channelId))
                {
                    return false;
                }

                parsed = new SlashCommandOption(name, type, null, channelId, ResolvedChannelType(data, value.GetString()!));
                return true;
            default:
                // Options of other types are kept by name so the command can say what it expected.
                parsed = new SlashCommandOption(name, type, value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Undefined ? null : value.GetRawText(), null, null);
                return true;
        }
    }

    private static int? ResolvedChannelType(JsonElement data, string id) =>
        data.TryGetProperty("resolved", out var resolved) && resolved.ValueKind == JsonValueKind.Object
        && resolved.TryGetProperty("channels", out var channels) && channels.ValueKind == JsonValueKind.Object
        && channels.TryGetProperty(id, out var channel) && channel.ValueKind == JsonValueKind.Object
        && channel.TryGetProperty("type", out var type) && type.TryGetInt32(out var value)
            ? value
            : null;
}
