using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Silo.Endpoints;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>The real service with the instant tone engines (and the energy detector), on 20 fake guilds.</summary>
public sealed class ToneDiscordServiceFixture : IAsyncLifetime
{
    public const int GuildCount = 20;

    /// <summary>Guilds for the 20-guild test.</summary>
    public static IReadOnlyList<ulong> Guilds { get; } = [.. Enumerable.Range(0, GuildCount).Select(i => 81_000_000_000_001_000UL + (ulong)i)];

    /// <summary>Guilds of the single-guild tests (one each).</summary>
    public static IReadOnlyList<ulong> SpareGuilds { get; } = [.. Enumerable.Range(GuildCount, 4).Select(i => 81_000_000_000_001_000UL + (ulong)i)];

    /// <summary>The text channel answers that cannot be spoken go to, per guild.</summary>
    public static ulong TextChannelOf(ulong guild) => 600_000_000_000_000_000UL + (guild % 10_000);

    public DiscordService Service { get; private set; } = null!;

    public static ulong ChannelOf(ulong guild) => 700_000_000_000_000_000UL + (guild % 10_000);

    public static ulong UserOf(ulong guild) => 500_000_000_000_000_000UL + (guild % 10_000);

    public async ValueTask InitializeAsync() => Service = await DiscordService.StartAsync(
        [.. Guilds, .. SpareGuilds],
        toneEngines: true,
        new Dictionary<string, string?>(SpareGuilds.Select(g => KeyValuePair.Create<string, string?>(
            $"Discord:FallbackTextChannels:{g}", TextChannelOf(g).ToString(System.Globalization.CultureInfo.InvariantCulture))))
        {
            ["Discord:Voice:MoveTimeout"] = "00:00:30",
        });

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
    }
}

[Collection(nameof(VoiceSocketCollection))]
public sealed partial class DiscordManyGuildsTests(ToneDiscordServiceFixture fixture) : IClassFixture<ToneDiscordServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DiscordService Service => fixture.Service;

    private static IReadOnlyList<byte[]> Tone(int hz, int ms = 800) =>
        OpusPacketizer.Encode(TestAudio.Concat(TestAudio.Tone(hz, ms, 48000), TestAudio.Silence(200, 48000)), channels: 2);

    [Fact]
    public async Task Voice_connections_per_shard_are_exported_on_metrics()
    {
        var guild = ToneDiscordServiceFixture.Guilds[0];
        await VoiceUsers.JoinAsync(Service, guild, ToneDiscordServiceFixture.ChannelOf(guild), Ct);

        // The gauge is read at scrape time: the exporter's text names the shard (one shard in the fake Discord).
        var connected = await TestWait.ForAsync(
            async () => VoiceConnectionsLine().Match(await Service.Http.GetStringAsync("/metrics", Ct)),
            match => match.Success && int.Parse(match.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1,
            "voice_connections{shard_id=\"0\"} >= 1 on /metrics");
        Assert.Contains("shard_id=\"0\"", connected.Value, StringComparison.Ordinal);
        using var _ = await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);
    }

    [Fact]
    public async Task Twenty_guilds_at_once_each_answered_in_its_own_channel_only()
    {
        var guilds = ToneDiscordServiceFixture.Guilds;
        foreach (var guild in guilds)
        {
            await VoiceUsers.JoinAsync(Service, guild, ToneDiscordServiceFixture.ChannelOf(guild), Ct);
        }

        var users = new Dictionary<ulong, AudioOrchestrator.Discord.Fakes.Voice.FakeVoiceUser>();
        foreach (var guild in guilds)
        {
            users[guild] = await VoiceUsers.AddSpeakerAsync(Service, guild, ToneDiscordServiceFixture.ChannelOf(guild), ToneDiscordServiceFixture.UserOf(guild));
        }

        // Everybody speaks at the same time; odd guilds ask another question, so answers differ in length.
        var speaking = guilds.Select((g, i) => VoiceUsers.SpeakAsync(users[g], Tone(i % 2 == 0 ? 440 : 660), Ct)).ToArray();
        await Task.WhenAll(speaking);
        var heard = await Task.WhenAll(guilds.Select(g => VoiceUsers.HearAnswerAsync(users[g], TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(1.5), Ct)));

        for (var i = 0; i < guilds.Count; i++)
        {
            var guild = guilds[i];
            var snapshot = await Service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(guild)}", Ct);
            var turn = Assert.Single(snapshot!.History);
            Assert.Equal(DiscordSessions.SpeakerId(ToneDiscordServiceFixture.UserOf(guild)), turn.SpeakerId);
            Assert.Equal(i % 2 == 0 ? "echo" : "time", turn.Agent);

            // One answer's worth of audio (the tone TTS speaks 40 ms per character), not two guilds' answers.
            var sound = heard[i].Count(f => !VoiceUsers.IsSilence(f));
            var expected = turn.ResponseText.Length * ToneTextToSpeech.MillisecondsPerCharacter / 20;
            Assert.InRange(sound, expected * 8 / 10, (expected * 12 / 10) + 10);
        }

        Assert.Equal(0, Service.Metrics.TotalDropped);
        var status = await Service.Http.GetFromJsonAsync<GuildEndpoints.GuildVoiceResponse[]>("/api/v1/guilds", Ct);
        Assert.Equal(ToneDiscordServiceFixture.GuildCount, status!.Count(s => s.State == "Connected"));
        Assert.DoesNotContain(Service.Discord.Token, Service.Logs.AllText, StringComparison.Ordinal);
        foreach (var guild in guilds)
        {
            using var _ = await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("""^voice_connections\{[^}\n]*shard_id="0"[^}\n]*\} (?<value>[0-9]+)""", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex VoiceConnectionsLine();
}
