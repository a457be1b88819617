using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Fakes;
using AudioOrchestrator.Ingress.Discord.Commands;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>
/// Slash commands in the real service (real Discord transport, espeak-ng and the espeak-enrolled pocketsphinx)
/// against the fake Discord: registration at start-up, /join puts the bot in the channel, /ask is answered in text
/// and spoken to the users there, /status and /leave; after leaving, /ask is answered in text only.
/// </summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class SlashCommandVoiceTests
{
    private const ulong Guild = 81_000_000_000_000_201;
    private const ulong Channel = 700_000_000_000_000_201;
    private const ulong TextChannel = 700_000_000_000_000_202;
    private const ulong Alice = 500_000_000_000_000_201;
    private const string Question = """[{"name":"question","type":3,"value":"echo hello world"}]""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Join_ask_status_and_leave_by_slash_command_with_the_answer_spoken_in_the_channel()
    {
        await using var service = await DiscordService.StartAsync([Guild], toneEngines: false);
        var rest = service.Discord.Gateway.Rest;
        await TestWait.UntilAsync(() => rest.GlobalCommands is not null, "the slash commands registered at start-up");
        await service.Discord.VoiceServerAsync(Channel);
        var channel = Channel.ToString(CultureInfo.InvariantCulture);

        var join = await rest.SendSlashCommandAsync(
            Guild, TextChannel, Alice, "join", "[{\"name\":\"channel\",\"type\":7,\"value\":\"" + channel + "\"}]", "{\"channels\":{\"" + channel + "\":{\"id\":\"" + channel + "\",\"type\":2}}}");
        await AnsweredAsync(join);
        Assert.Equal($"Joined <#{channel}>. Talk to me there, or use /ask. End-to-end encryption (DAVE): on.", join.OriginalContent);

        var alice = await VoiceUsers.AddSpeakerAsync(service, Guild, Channel, Alice);
        var ask = await rest.SendSlashCommandAsync(Guild, TextChannel, Alice, "ask", Question);
        var heard = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);
        await AnsweredAsync(ask);

        Assert.Equal((5, "hello world"), (ask.CallbackType!.Value, ask.OriginalContent));
        using var wav = new MemoryStream(VoiceUsers.ToWav(heard));
        var transcript = await service.Services.GetRequiredService<ISpeechToTextClient>().GetTextAsync(wav, cancellationToken: Ct);
        Assert.Equal("hello world", transcript.Text);
        Assert.True(alice.DaveFramesReceived > 0, "the spoken answer arrived DAVE-encrypted");

        var status = await rest.SendSlashCommandAsync(Guild, TextChannel, Alice, "status");
        await AnsweredAsync(status);
        Assert.StartsWith($"Voice: Connected in <#{channel}> since <t:", status.OriginalContent, StringComparison.Ordinal);
        Assert.Contains("End-to-end encryption (DAVE): on.", status.OriginalContent, StringComparison.Ordinal);
        Assert.EndsWith($"Session discord-{Guild}: 1 turns recorded.", status.OriginalContent, StringComparison.Ordinal);

        // A REST text message to the guild's session with speak: true is played in the channel too.
        using (var typed = await service.Http.PostAsJsonAsync($"/api/v1/sessions/discord-{Guild}/messages", new { text = "echo good morning", speak = true }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, typed.StatusCode);
        }

        var heardTyped = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);
        using (var typedWav = new MemoryStream(VoiceUsers.ToWav(heardTyped)))
        {
            Assert.Equal("good morning", (await service.Services.GetRequiredService<ISpeechToTextClient>().GetTextAsync(typedWav, cancellationToken: Ct)).Text);
        }

        var history = (await service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/discord-{Guild}", Ct))!.History;
        Assert.Equal([("echo hello world", TurnSources.Text), ("echo good morning", TurnSources.Text)], history.Select(t => (t.Transcript, t.Source)));

        var leave = await rest.SendSlashCommandAsync(Guild, TextChannel, Alice, "leave");
        await AnsweredAsync(leave);
        Assert.Equal("Left the voice channel.", leave.OriginalContent);
        Assert.Null(service.Discord.Gateway.VoiceStateRequests[^1].ChannelId);

        var textOnly = await rest.SendSlashCommandAsync(Guild, TextChannel, Alice, "ask", Question);
        await AnsweredAsync(textOnly);
        Assert.Equal("hello world", textOnly.OriginalContent);

        // The handler counts an answer once Discord has acknowledged the edit, a moment after the fake recorded it.
        var statistics = service.Services.GetRequiredService<SlashCommandStatistics>();
        await TestWait.UntilAsync(() => statistics.Answered == 5, "five answers counted");
        Assert.Equal((5, 0, 0), (statistics.Answered, statistics.Rejected, statistics.Failed));
        Assert.Empty(rest.ChannelMessages); // every answer was spoken or given in the interaction's reply
        Assert.DoesNotContain(service.Discord.Token, service.Logs.AllText, StringComparison.Ordinal);
        Assert.All(new[] { join, ask, status, leave, textOnly }, i => Assert.DoesNotContain(i.Token, service.Logs.AllText, StringComparison.Ordinal));
    }

    private static Task AnsweredAsync(FakeInteraction interaction) => TestWait.UntilAsync(() => interaction.CallbackType == 4 || interaction.Followups.Count > 0 || (interaction.CallbackType == 5 && interaction.OriginalContent is not null), "the answer to interaction " + interaction.Id);
}
