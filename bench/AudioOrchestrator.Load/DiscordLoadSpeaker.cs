using System.Net.Http.Json;
using System.Text.Json;
using AudioOrchestrator.Discord.Fakes.Voice;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Load;

/// <summary>
/// A Discord user alone with the bot in its guild's voice channel (the guild answers without a wake phrase): Opus over
/// the fake relay's UDP with transport AEAD and DAVE; five silence frames after speech and then nothing, as Discord
/// clients do. The answer is heard as the bot's frames; its timings come from the guild session's events stream.
/// </summary>
internal sealed class DiscordLoadSpeaker : SimulatedSpeaker
{
    private readonly FakeVoiceUser _user;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _hearing;
    private readonly Task _events;

    private DiscordLoadSpeaker(FakeVoiceUser user, HttpClient http, string session, IReadOnlyList<SpeechClip> clips, TurnLog log, int seed)
        : base(clips, log, seed)
    {
        _user = user;
        _hearing = Task.Run(HearAsync);
        _events = Task.Run(() => FollowEventsAsync(http, session));
    }

    public override string Transport => "discord";

    protected override bool SendsSilence => false;

    /// <summary>Joins a simulated user to its guild's voice channel; <paramref name="eventsHttp"/> follows the session's event stream for the whole run (no client timeout).</summary>
    public static async Task<DiscordLoadSpeaker> JoinAsync(HttpClient http, HttpClient eventsHttp, FakeDiscordFarm discord, int index, IReadOnlyList<SpeechClip> clips, TurnLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(discord);
        var guild = FakeDiscordFarm.GuildOf(index);
        var channel = FakeDiscordFarm.ChannelOf(index);
        var server = await discord.VoiceServerAsync(channel);
        using (var response = await http.PostAsJsonAsync($"/api/v1/guilds/{FakeDiscordFarm.Id(guild)}/voice", new { channelId = FakeDiscordFarm.Id(channel) }, cancellationToken))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"join {guild}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        await TestWait.UntilAsync(() => server.Sessions.Any(s => s.UdpEndpoint is not null), $"the bot's voice connection in guild {index}", TimeSpan.FromSeconds(60));
        var user = await server.AddUserAsync(FakeDiscordFarm.UserOf(index));
        await TestWait.UntilAsync(() => user.CanSend, $"DAVE keys for guild {index}", TimeSpan.FromSeconds(60));
        await server.AnnounceSpeakingAsync(user);
        var speaker = new DiscordLoadSpeaker(user, eventsHttp, "discord-" + FakeDiscordFarm.Id(guild), clips, log, 100_000 + index);
        speaker.StartSending();
        return speaker;
    }

    protected override async ValueTask SendSpeechAsync(SpeechClip clip, int frame, CancellationToken cancellationToken) =>
        await _user.SendOpusAsync(clip.Opus[frame]);

    protected override async ValueTask SendSilenceAsync(CancellationToken cancellationToken) =>
        await _user.SendOpusAsync(SpeechClips.OpusSilence);

    protected override async ValueTask DisposeCoreAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_hearing, _events).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose(); // the user is the fake voice server's: it goes with the server
    }

    private async Task HearAsync()
    {
        try
        {
            await foreach (var frame in _user.Received.ReadAllAsync(_stop.Token))
            {
                if (frame.FromUserId == FakeDiscordFarm.BotId && !frame.Opus.AsSpan().SequenceEqual(SpeechClips.OpusSilence))
                {
                    OnAnswerAudio();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FollowEventsAsync(HttpClient http, string session)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/sessions/{session}/events");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                string? name = null;
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        name = line[6..].Trim();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal) && name == "answerCompleted")
                    {
                        using var json = JsonDocument.Parse(line[5..]);
                        AnswerEvents.Completed(json.RootElement, OnAnswerCompleted);
                    }
                }

                Console.WriteLine($"  events of {session} ended by the service at {DateTime.UtcNow:HH:mm:ss.fff}; followed again");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                Console.WriteLine($"  events of {session} cut at {DateTime.UtcNow:HH:mm:ss.fff} ({ex.GetType().Name}: {ex.Message}); followed again");
                // Followed again: a stream cut by the client's timeout once ended here for good, and every later answer
                // of this speaker was counted unanswered (the Discord speakers of the 100-speaker soak after ~2 min).
                await Task.Delay(200, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
