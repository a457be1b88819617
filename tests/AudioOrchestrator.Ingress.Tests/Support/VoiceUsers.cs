using System.Diagnostics;
using System.Net.Http.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Discord.Voice.Udp;
using AudioOrchestrator.Silo.Endpoints;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Ingress.Tests.Support;

/// <summary>Simulated Discord users around a <see cref="DiscordService"/>: join, speak in real time, hear the answer.</summary>
public static class VoiceUsers
{
    private static readonly byte[] Silence = [0xF8, 0xFF, 0xFE];

    public static async Task<GuildEndpoints.GuildVoiceResponse> JoinAsync(DiscordService service, ulong guild, ulong channel, CancellationToken cancellationToken)
    {
        await service.Discord.VoiceServerAsync(channel);
        using var response = await service.Http.PostAsJsonAsync($"/api/v1/guilds/{guild}/voice", new { channelId = channel.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"join {guild}: {(int)response.StatusCode} {body}");
        return System.Text.Json.JsonSerializer.Deserialize<GuildEndpoints.GuildVoiceResponse>(body, System.Text.Json.JsonSerializerOptions.Web)!;
    }

    /// <summary>Adds a user to the channel's voice server and waits until the bot and the user share DAVE keys and the bot maps the user's SSRC.</summary>
    public static async Task<FakeVoiceUser> AddSpeakerAsync(DiscordService service, ulong guild, ulong channel, ulong userId)
    {
        var server = await service.Discord.VoiceServerAsync(channel);
        var user = await server.AddUserAsync(userId);
        await TestWait.UntilAsync(() => user.CanSend && service.Voice.GetConnection(guild) is { CanSendAudio: true }, $"DAVE keys for {userId}");
        await server.AnnounceSpeakingAsync(user);
        await TestWait.UntilAsync(() => service.Voice.GetConnection(guild)!.SsrcToUser.ContainsKey(user.Ssrc), "op 5 mapping");
        return user;
    }

    /// <summary>Sends frames as a Discord client does: one per 20 ms, then five silence frames.</summary>
    public static async Task SpeakAsync(FakeVoiceUser user, IReadOnlyList<byte[]> frames, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var index = 0;
        foreach (var frame in frames.Concat(Enumerable.Repeat(Silence, 5)))
        {
            var wait = TimeSpan.FromMilliseconds(20 * index++) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            await user.SendOpusAsync(frame);
        }
    }

    /// <summary>
    /// Sends frames straight to the bot as the relay would, with chosen RTP sequence numbers (loss, reordering) and
    /// SSRC (unknown senders): DAVE-encrypted by <paramref name="user"/>, sealed with the bot's transport key.
    /// </summary>
    public static async Task SendCraftedAsync(FakeVoiceServer server, FakeVoiceUser user, IEnumerable<(ushort Sequence, byte[] Opus)> frames, uint? ssrc, CancellationToken cancellationToken)
    {
        var session = Assert.Single(server.Sessions);
        var clock = Stopwatch.StartNew();
        var index = 0;
        foreach (var (sequence, opus) in frames)
        {
            var wait = TimeSpan.FromMilliseconds(20 * index++) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var payload = user.WithDave(d => d.Encrypt(opus));
            var header = new byte[RtpHeader.FixedLength];
            new RtpHeader(sequence, sequence * 960u, ssrc ?? user.Ssrc).Write(header);
            await server.SendRawToBotAsync(session, server.SealForBot(session, header, payload));
        }
    }

    /// <summary>
    /// The bot's next answer as the user hears it: frames from the first sound until <paramref name="quiet"/> without
    /// packets once the bot no longer says it is speaking (op 5): on a loaded machine the answer's frames may come late,
    /// and a gap inside the answer must not end it.
    /// </summary>
    public static async Task<List<byte[]>> HearAnswerAsync(FakeVoiceUser user, TimeSpan timeout, TimeSpan quiet, CancellationToken cancellationToken)
    {
        List<byte[]> frames = [];
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(timeout);
        while (frames.Count == 0 || frames.All(IsSilence))
        {
            var frame = await user.Received.ReadAsync(overall.Token);
            if (frame.FromUserId == FakeDiscord.BotId)
            {
                frames.Add(frame.Opus);
            }
        }

        while (true)
        {
            using var gap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            gap.CancelAfter(quiet);
            try
            {
                var frame = await user.Received.ReadAsync(gap.Token);
                if (frame.FromUserId == FakeDiscord.BotId)
                {
                    frames.Add(frame.Opus);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (!user.BotSpeaking)
                {
                    return frames;
                }

                overall.Token.ThrowIfCancellationRequested();
            }
        }
    }

    public static bool IsSilence(byte[] frame) => frame.AsSpan().SequenceEqual(Silence);

    /// <summary>
    /// Decodes heard frames to 16 kHz mono WAV. Discord silence frames are left out: the sender puts a few in where the
    /// rest of a sentence came too late (a loaded machine), and the words around them belong together.
    /// </summary>
    public static byte[] ToWav(IEnumerable<byte[]> frames) =>
        WavCodec.Encode(OpusPacketizer.Decode(frames.Where(f => !IsSilence(f)).Select(f => (ReadOnlyMemory<byte>)f), channels: 2).ToMono().ResampleTo(AudioFormat.SpeechSampleRate));
}
