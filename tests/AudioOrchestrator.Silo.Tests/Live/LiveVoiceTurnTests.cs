using System.Text.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Ingress.Live;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Silo.Tests.Live;

/// <summary>
/// Spoken turns over the live voice WebSocket against the real service: a .NET client speaks espeak-ng's "echo hello
/// world" at real time and gets the events (ready, speech, transcript and agent, answer with timings, the turn) and the
/// answer's audio in its own format, which transcribed back says "hello world".
/// </summary>
[Collection(LiveVoiceCollection.Name)]
public sealed class LiveVoiceTurnTests(LiveVoiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewSession() => "live-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_pcm16_client_speaks_and_hears_the_answer_with_its_events()
    {
        await service.NoSocketsAsync();
        var session = NewSession();
        await using var ana = await service.ConnectAsync(session, "speaker=ana", "pcm16");

        var ready = await ana.EventAsync("ready");
        Assert.Equal("pcm16", ana.Socket.SubProtocol);
        Assert.Equal(
            (session, "ana", "pcm16", 16000, 1, JsonValueKind.Null, LiveVoiceFixture.MaxMessageBytes, "default"),
            (ready.Data.GetProperty("sessionId").GetString(), ready.Data.GetProperty("speakerId").GetString(), ready.Data.GetProperty("format").GetString(),
             ready.Data.GetProperty("sampleRate").GetInt32(), ready.Data.GetProperty("channels").GetInt32(), ready.Data.GetProperty("frameMs").ValueKind,
             ready.Data.GetProperty("maxMessageBytes").GetInt32(), ready.Data.GetProperty("wake").GetString()));

        // Spoken at real time, then the microphone hears silence: the utterance ends on it.
        await ana.SpeakPcmAsync(await LiveVoiceFixture.SpeechAsync("echo hello world", TimeSpan.FromSeconds(1.5)), Ct);

        var completed = await ana.EventAsync("answerCompleted");
        var started = await ana.EventAsync("answerStarted");
        var speech = await ana.EventAsync("speechStarted");
        Assert.Equal("ana", speech.Data.GetProperty("speakerId").GetString());
        Assert.Equal(
            ("ana", "echo hello world", "echo", JsonValueKind.Null),
            (started.Data.GetProperty("speakerId").GetString(), started.Data.GetProperty("transcript").GetString(), started.Data.GetProperty("agent").GetString(),
             started.Data.GetProperty("correlationId").ValueKind));
        Assert.Equal("hello world", completed.Data.GetProperty("responseText").GetString());
        var timings = completed.Data.GetProperty("timings");
        Assert.True(timings.GetProperty("sttMs").GetDouble() > 0 && timings.GetProperty("ttsMs").GetDouble() > 0, timings.ToString());
        var turn = await ana.EventAsync("turn");
        Assert.False(string.IsNullOrEmpty(turn.Id));

        // The answer's audio, paced at real time: about a second of "hello world".
        var pcm = await AnswerAudioAsync(ana, bytesPerSecond: 32000);
        var heard = await TranscribeAsync(new PcmAudio(pcm, 16000, 1));
        Assert.Equal("hello world", heard);
    }

    [Fact]
    public async Task An_opus_client_ends_its_utterance_with_endOfSpeech_and_hears_opus_packets()
    {
        await service.NoSocketsAsync();
        var session = NewSession();
        await using var ana = await service.ConnectAsync(session, "speaker=ana&wake=off", "opus");
        var ready = await ana.EventAsync("ready");
        Assert.Equal(("opus", 48000, 20, "off"), (ready.Data.GetProperty("format").GetString(), ready.Data.GetProperty("sampleRate").GetInt32(), ready.Data.GetProperty("frameMs").GetInt32(), ready.Data.GetProperty("wake").GetString()));
        await ana.SendTextAsync("""{"type":"hello","format":"opus","sampleRate":48000,"channels":1}""", Ct);

        // Push-to-talk: the speech, no trailing silence, then the button is released.
        var speech = await LiveVoiceFixture.SpeechAsync("echo hello world", TimeSpan.Zero);
        await ana.SpeakOpusAsync(OpusPacketizer.Encode(new PcmAudio(speech, 16000, 1)), Ct);
        await ana.SendTextAsync("""{"type":"endOfSpeech"}""", Ct);

        var ended = await ana.EventAsync("inputCompleted");
        Assert.Equal(("ana", 1), (ended.Data.GetProperty("speakerId").GetString(), ended.Data.GetProperty("turnCount").GetInt32()));
        var started = await ana.EventAsync("answerStarted");
        Assert.Equal(("echo hello world", "echo"), (started.Data.GetProperty("transcript").GetString(), started.Data.GetProperty("agent").GetString()));
        await ana.EventAsync("answerCompleted");

        // Every binary message is one 20 ms mono Opus packet.
        await AnswerAudioAsync(ana, bytesPerSecond: 0);
        var packets = ana.Audio.ToArray();
        Assert.All(packets, p => Assert.Null(OpusPacketCheck.Problem(p)));
        Assert.All(packets, p => Assert.Equal(0, p[0] & 4)); // mono
        Assert.InRange(packets.Length, 20, 200);
        var decoded = OpusPacketizer.Decode(packets.Select(p => (ReadOnlyMemory<byte>)p)).ResampleTo(16000);
        Assert.Equal("hello world", await TranscribeAsync(decoded));
    }

    [Fact]
    public async Task Two_sockets_of_a_session_are_two_speakers_and_both_get_every_event_and_the_audio()
    {
        await service.NoSocketsAsync();
        var session = NewSession();
        await using var ana = await service.ConnectAsync(session, "speaker=ana", "pcm16");
        await using var bob = await service.ConnectAsync(session, "speaker=bob", "opus");
        await ana.EventAsync("ready");
        await bob.EventAsync("ready");

        // Both talk at once.
        await Task.WhenAll(
            ana.SpeakPcmAsync(await LiveVoiceFixture.SpeechAsync("echo hello world", TimeSpan.FromSeconds(1.5)), Ct),
            bob.SpeakPcmAsyncAsOpus(await LiveVoiceFixture.SpeechAsync("what time is it", TimeSpan.FromSeconds(1.5)), Ct));

        foreach (var client in new[] { ana, bob })
        {
            var fromAna = await client.EventAsync("answerStarted", d => d.GetProperty("speakerId").GetString() == "ana");
            var fromBob = await client.EventAsync("answerStarted", d => d.GetProperty("speakerId").GetString() == "bob");
            Assert.Equal(("echo hello world", "what time is it"), (fromAna.Data.GetProperty("transcript").GetString(), fromBob.Data.GetProperty("transcript").GetString()));
            Assert.Equal(("echo", "time"), (fromAna.Data.GetProperty("agent").GetString(), fromBob.Data.GetProperty("agent").GetString()));
            await TestWait.UntilAsync(() => client.Events.Count(e => e.Name == "answerCompleted") >= 2, "both answers completed");
            await TestWait.UntilAsync(() => client.AudioBytes > 0, "answer audio on every socket");
        }
    }

    /// <summary>Waits for the answer's audio to arrive whole (it is paced at real time) and returns it as samples (pcm16) or nothing (opus).</summary>
    private static async Task<short[]> AnswerAudioAsync(LiveTestClient client, int bytesPerSecond)
    {
        await TestWait.UntilAsync(() => client.Audio.Count >= 20, () => $"answer audio (got {client.Audio.Count} messages)");
        long seen = -1;
        await TestWait.UntilAsync(
            async () =>
            {
                var now = client.AudioBytes;
                var still = now == seen;
                seen = now;
                await Task.Delay(TimeSpan.FromSeconds(3));
                return still && client.AudioBytes == now;
            },
            "the answer audio to end",
            TimeSpan.FromSeconds(60));
        if (bytesPerSecond == 0)
        {
            return [];
        }

        var bytes = client.Audio.SelectMany(b => b).ToArray();
        var seconds = bytes.Length / (double)bytesPerSecond;
        Assert.InRange(seconds, 0.4, 4.0); // "hello world"
        var samples = new short[bytes.Length / 2];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 2);
        return samples;
    }

    private async Task<string?> TranscribeAsync(PcmAudio audio)
    {
        var stt = service.Services.GetRequiredService<ISpeechToTextClient>();
        using var wav = new MemoryStream(WavCodec.Encode(audio));
        return (await stt.GetTextAsync(wav, cancellationToken: Ct)).Text;
    }
}

internal static class LiveTestClientSpeech
{
    /// <summary>Sends 16 kHz PCM as a browser with WebCodecs does: 20 ms Opus packets at real time.</summary>
    public static Task SpeakPcmAsyncAsOpus(this LiveTestClient client, short[] pcm16k, CancellationToken cancellationToken) =>
        client.SpeakOpusAsync(OpusPacketizer.Encode(new PcmAudio(pcm16k, 16000, 1)), cancellationToken);
}
