using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Guilds;
using AudioOrchestrator.Discord.Voice.Udp;
using AudioOrchestrator.Ingress.Discord;
using AudioOrchestrator.Ingress.Tests.Guilds;
using AudioOrchestrator.Ingress.Tests.Support;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AudioOrchestrator.Ingress.Tests.Discord;

/// <summary>Moves, bad networks and the receive path's rules, on the tone-engine service.</summary>
[Collection(nameof(VoiceSocketCollection))]
public sealed class DiscordResilienceTests(ToneDiscordServiceFixture fixture) : IClassFixture<ToneDiscordServiceFixture>
{
    private const ulong ChannelB = 700_000_000_000_009_999;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DiscordService Service => fixture.Service;

    private static IReadOnlyList<byte[]> EchoQuestion() =>
        OpusPacketizer.Encode(TestAudio.Concat(TestAudio.Tone(440, 800, 48000), TestAudio.Silence(200, 48000)), channels: 2);

    private async Task<SessionSnapshot> WaitForTurnsAsync(ulong guild, int turns)
    {
        SessionSnapshot? snapshot = null;
        await TestWait.UntilAsync(() =>
            {
                snapshot = Service.Http.GetFromJsonAsync<SessionSnapshot>($"/api/v1/sessions/{DiscordSessions.SessionId(guild)}", Ct).GetAwaiter().GetResult();
                return snapshot?.History.Count >= turns;
            }, $"{turns} turns in guild {guild}");
        return snapshot!;
    }

    [Fact]
    public async Task A_channel_move_keeps_the_conversation_going_and_an_answer_during_the_move_goes_to_text_chat()
    {
        var guild = ToneDiscordServiceFixture.SpareGuilds[0];
        var channelA = ToneDiscordServiceFixture.ChannelOf(guild);
        var user = ToneDiscordServiceFixture.UserOf(guild);
        await VoiceUsers.JoinAsync(Service, guild, channelA, Ct);
        var alice = await VoiceUsers.AddSpeakerAsync(Service, guild, channelA, user);
        var serverA = await Service.Discord.VoiceServerAsync(channelA);
        await Service.Discord.VoiceServerAsync(ChannelB);

        // She asks; the voice server closes with 4014 before the answer: Discord is moving the bot.
        await VoiceUsers.SpeakAsync(alice, EchoQuestion(), Ct);
        await serverA.CloseAsync(Assert.Single(serverA.Sessions), 4014, "moved");
        await TestWait.UntilAsync(() => Service.Voice.GetSnapshot(guild)!.State == GuildVoiceState.Moving, "Moving");

        // The answer cannot be spoken while moving: it goes to the guild's text channel.
        var textChannel = ToneDiscordServiceFixture.TextChannelOf(guild);
        await TestWait.UntilAsync(() => Service.Discord.Gateway.Rest.ChannelMessages.Any(m => m.ChannelId == textChannel && m.Content.Contains("hello world", StringComparison.Ordinal)), "the answer in text chat");

        // The new voice events arrive; the bot connects in channel B, where she asks again and hears the answer.
        await Service.Discord.Gateway.SessionForShard(0).MoveBotAsync(guild, ChannelB);
        await TestWait.UntilAsync(() => Service.Voice.GetSnapshot(guild) is { State: GuildVoiceState.Connected, ChannelId: ChannelB }, "connected in channel B");
        var aliceInB = await VoiceUsers.AddSpeakerAsync(Service, guild, ChannelB, user);
        await VoiceUsers.SpeakAsync(aliceInB, EchoQuestion(), Ct);
        var answer = await VoiceUsers.HearAnswerAsync(aliceInB, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);

        Assert.InRange(answer.Count(f => !VoiceUsers.IsSilence(f)), 15, 40);
        var snapshot = await WaitForTurnsAsync(guild, 2);
        Assert.All(snapshot.History, t => Assert.Equal("echo", t.Agent));
        Assert.Equal("hello world", snapshot.History[^1].ResponseText);
        // Her second question may have started while the first answer was (by the session's estimate) still playing:
        // then the first turn keeps only what had been said by then.
        Assert.True(
            snapshot.History[0] is { Interrupted: false, ResponseText: "hello world" } || (snapshot.History[0].Interrupted && "hello world".StartsWith(snapshot.History[0].ResponseText.TrimEnd('…'), StringComparison.Ordinal)),
            $"first turn: {snapshot.History[0]}");
        Assert.Equal(1, Service.Discord.Gateway.VoiceStateRequests.Count(r => r.GuildId == guild));
        await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);
    }

    [Fact]
    public async Task Packet_loss_reordering_and_an_unknown_ssrc_do_not_break_the_turn()
    {
        var guild = ToneDiscordServiceFixture.SpareGuilds[1];
        var channel = ToneDiscordServiceFixture.ChannelOf(guild);
        await VoiceUsers.JoinAsync(Service, guild, channel, Ct);
        var alice = await VoiceUsers.AddSpeakerAsync(Service, guild, channel, ToneDiscordServiceFixture.UserOf(guild));
        var server = await Service.Discord.VoiceServerAsync(channel);
        var connection = Service.Voice.GetConnection(guild)!;
        var frames = EchoQuestion();

        // 10 % loss (every 10th packet from the 3rd), pairs swapped (6th/7th of every 10), a sequence wrap, and a
        // stranger's packet (an SSRC nobody announced) after every 5th.
        List<(ushort, byte[])> plan = [];
        for (var i = 0; i < frames.Count; i++)
        {
            if (i % 10 == 3)
            {
                continue;
            }

            var index = i % 10 == 6 && i + 1 < frames.Count ? i + 1 : i % 10 == 7 ? i - 1 : i;
            plan.Add(((ushort)(65_500 + index), frames[index]));
        }

        var strangers = plan.Select((p, i) => (p, i)).Where(x => x.i % 5 == 4).Select(x => x.p).ToList();
        await Task.WhenAll(
            VoiceUsers.SendCraftedAsync(server, alice, plan, ssrc: null, Ct),
            VoiceUsers.SendCraftedAsync(server, alice, strangers, ssrc: 0xDEAD, Ct));

        var answer = await VoiceUsers.HearAnswerAsync(alice, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1.5), Ct);
        Assert.InRange(answer.Count(f => !VoiceUsers.IsSilence(f)), 15, 40);
        var turn = Assert.Single((await WaitForTurnsAsync(guild, 1)).History);
        Assert.Equal((DiscordSessions.SpeakerId(ToneDiscordServiceFixture.UserOf(guild)), "echo", "hello world"), (turn.SpeakerId, turn.Agent, turn.ResponseText));
        Assert.True(connection.Statistics.UnknownSsrc >= strangers.Count, $"unknown SSRC packets counted: {connection.Statistics.UnknownSsrc}");
        Assert.Equal(1, (await Service.Http.GetFromJsonAsync<Silo.Endpoints.GuildEndpoints.GuildVoiceResponse>($"/api/v1/guilds/{guild}", Ct))!.Speakers);
        await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);
    }

    [Fact]
    public async Task Received_frames_are_batched_by_consecutive_rtp_sequence_and_the_bot_never_hears_itself()
    {
        var guild = ToneDiscordServiceFixture.SpareGuilds[2];
        const ulong bot = FakeDiscord.BotId;
        const ulong user = 500_000_000_000_777_777;
        var publisher = new RecordingAudioWriters();
        var speaker = new SpeakerRef(DiscordSessions.SessionId(guild), DiscordSessions.SpeakerId(user));
        var botSpeaker = new SpeakerRef(DiscordSessions.SessionId(guild), DiscordSessions.SpeakerId(bot));
        var ownBefore = Service.Metrics.TotalOwnFrames;
        var frame = EchoQuestion()[0];
        await using (var receiver = new GuildAudioReceiver(guild, publisher, new DiscordTransportOptions(), 4, TimeProvider.System, Service.Metrics, NullLogger.Instance))
        {
            receiver.SetBot(bot, 77);
            receiver.OnFrame(bot, new RtpHeader(1, 0, 50), frame);
            receiver.OnFrame(user, new RtpHeader(2, 0, 77), frame);
            foreach (ushort sequence in new ushort[] { 100, 101, 102, 103, 104, 105, 107, 108, 106, 65_535, 0, 1 })
            {
                receiver.OnFrame(user, new RtpHeader(sequence, sequence * 960u, 1234), frame);
            }

            await TestWait.UntilAsync(() => publisher.BatchesOf(speaker).Sum(b => b.Frames.Length) == 12, "12 frames published");
            Assert.Equal(1, receiver.Speakers);
        }

        Assert.Equal(
            [(100L, 4), (104L, 2), (107L, 2), (106L, 1), (65_535L, 3)],
            publisher.BatchesOf(speaker).Select(b => (b.FirstSequence, b.Frames.Length)));
        Assert.All(publisher.BatchesOf(speaker), b => Assert.Null(b.CorrelationId));
        Assert.Equal(2, Service.Metrics.TotalOwnFrames - ownBefore);
        Assert.DoesNotContain(publisher.Published, p => p.Speaker == botSpeaker);
    }

    [Fact]
    public async Task A_speaker_sending_faster_than_the_stream_takes_loses_the_oldest_frames_and_every_drop_is_counted()
    {
        var guild = ToneDiscordServiceFixture.SpareGuilds[2];
        const ulong user = 500_000_000_000_888_888;
        const int sent = 2000;
        // The speaker grain is "busy" (publishes wait) until the whole burst has been received.
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publisher = new RecordingAudioWriters { Gate = busy.Task };
        var speaker = new SpeakerRef(DiscordSessions.SessionId(guild), DiscordSessions.SpeakerId(user));
        var droppedBefore = Service.Metrics.TotalDropped;
        var frame = EchoQuestion()[0];
        var options = new DiscordTransportOptions { SpeakerQueueFrames = 8 };
        await using (var receiver = new GuildAudioReceiver(guild, publisher, options, 4, TimeProvider.System, Service.Metrics, NullLogger.Instance))
        {
            // A burst far faster than real time (the UDP thread never waits for the stream).
            for (var i = 0; i < sent; i++)
            {
                receiver.OnFrame(user, new RtpHeader((ushort)i, (uint)i * 960, 4321), frame);
            }

            busy.SetResult();
            await TestWait.UntilAsync(
                () => publisher.BatchesOf(speaker).LastOrDefault() is { } last && last.FirstSequence + last.Frames.Length - 1 == sent - 1,
                "the newest frame published");
        }

        var dropped = Service.Metrics.TotalDropped - droppedBefore;
        Assert.True(dropped > 0, "the burst overflowed the queue");
        Assert.Equal(sent, publisher.BatchesOf(speaker).Sum(b => b.Frames.Length) + dropped);
    }

    [Fact]
    public async Task The_bot_token_never_appears_in_the_logs()
    {
        var guild = ToneDiscordServiceFixture.SpareGuilds[3];
        await VoiceUsers.JoinAsync(Service, guild, ToneDiscordServiceFixture.ChannelOf(guild), Ct);
        await Service.Http.DeleteAsync($"/api/v1/guilds/{guild}/voice", Ct);

        var logs = Service.Logs.AllText;
        Assert.Contains("identifying with intents", logs, StringComparison.Ordinal);
        Assert.Contains("voice connected to channel", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Service.Discord.Token, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Service.Discord.Token.Split('.')[1], logs, StringComparison.Ordinal);
    }
}
