using System.Net.WebSockets;
using System.Text;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Live;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Silo.Tests.Live;

/// <summary>The live voice transport's pure parts: PCM framing, Opus packet checks, message classification, pacing, limits, the request.</summary>
public sealed class LiveVoicePartsTests
{
    private static short[] Tone(int samples, int rate) =>
        [.. Enumerable.Range(0, samples).Select(i => (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / rate)))];

    private static byte[] Bytes(short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        Buffer.BlockCopy(samples, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    [Fact]
    public void Pcm_in_chunks_of_any_even_size_becomes_20_ms_opus_packets()
    {
        using var framer = new PcmOpusFramer();
        var pcm = Bytes(Tone(16000, 16000)); // 1 s
        var packets = new List<byte[]>();
        for (var offset = 0; offset < pcm.Length; offset += 666)
        {
            packets.AddRange(framer.Push(pcm.AsSpan(offset, Math.Min(666, pcm.Length - offset))));
        }

        // 1 s is 50 frames of 16 kHz (encoded as it is: no resampler to hold anything back).
        Assert.Equal(50, packets.Count);
        Assert.All(packets, p => Assert.Null(OpusPacketCheck.Problem(p)));
        var decoded = OpusPacketizer.Decode(packets.Select(p => (ReadOnlyMemory<byte>)p));
        Assert.Equal(packets.Count * 960, decoded.Samples.Length);
        Assert.True(PcmMath.RmsDbfs(decoded.Samples.AsSpan(9600, 9600)) > -20, "the tone comes through");
        Assert.Empty(framer.Push([]));
        Assert.Throws<ArgumentException>(() => framer.Push(new byte[3]));
    }

    [Fact]
    public void Quiet_frames_become_the_opus_silence_frame_and_speech_after_them_still_decodes()
    {
        using var framer = new PcmOpusFramer();
        var quiet = new short[320 * 3];
        quiet[5] = SpeechOpus.QuietPeak;
        quiet[700] = -SpeechOpus.QuietPeak;
        var packets = framer.Push(Bytes(quiet)).Concat(framer.Push(Bytes(Tone(3200, 16000)))).ToList();

        Assert.Equal(13, packets.Count);
        Assert.All(packets.Take(3), p => Assert.Equal([0xF8, 0xFF, 0xFE], p));
        Assert.All(packets.Skip(3), p => Assert.True(p.Length > 3 && OpusPacketCheck.Problem(p) is null));
        var tone = OpusPacketizer.Decode(packets.Skip(3).Select(p => (ReadOnlyMemory<byte>)p));
        Assert.True(PcmMath.RmsDbfs(tone.Samples.AsSpan(4800)) > -20, "the tone after the quiet frames comes through");

        var justAudible = new short[320];
        justAudible[7] = SpeechOpus.QuietPeak + 1;
        Assert.NotEqual([0xF8, 0xFF, 0xFE], Assert.Single(framer.Push(Bytes(justAudible))));
    }

    [Fact]
    public void Only_single_20_ms_opus_frames_pass_the_packet_check()
    {
        var real = OpusPacketizer.Encode(new PcmAudio(Tone(960, 48000), 48000, 1))[0];
        Assert.Null(OpusPacketCheck.Problem(real));
        Assert.Null(OpusPacketCheck.Problem([0xF8, 0xFF, 0xFE])); // a silence frame
        Assert.NotNull(OpusPacketCheck.Problem([]));
        Assert.NotNull(OpusPacketCheck.Problem([0x03])); // code 3 without its count byte
        Assert.NotNull(OpusPacketCheck.Problem([0x18, 1, 2])); // SILK 60 ms
        Assert.NotNull(OpusPacketCheck.Problem([0xF9, 1, 2])); // two 20 ms frames
        Assert.NotNull(OpusPacketCheck.Problem([0xF0, 1])); // CELT 10 ms
        Assert.NotNull(OpusPacketCheck.Problem(new byte[OpusPacketCheck.MaxPacketBytes + 1]));
    }

    public static TheoryData<string, string, LiveMessageKind, int> TextMessages => new()
    {
        { "pcm16", """{"type":"hello","format":"pcm16","sampleRate":16000,"channels":1}""", LiveMessageKind.Hello, 0 },
        { "opus", """{"type":"hello","format":"opus","sampleRate":48000}""", LiveMessageKind.Hello, 0 },
        { "pcm16", """{"type":"hello"}""", LiveMessageKind.Hello, 0 },
        { "pcm16", """{"type":"endOfSpeech"}""", LiveMessageKind.EndOfSpeech, 0 },
        { "pcm16", """{"type":"hello","sampleRate":44100}""", LiveMessageKind.Rejected, 1003 },
        { "pcm16", """{"type":"hello","channels":2}""", LiveMessageKind.Rejected, 1003 },
        { "opus", """{"type":"hello","format":"pcm16"}""", LiveMessageKind.Rejected, 1003 },
        { "pcm16", """{"type":"dance"}""", LiveMessageKind.Rejected, 1003 },
        { "pcm16", """{"kind":"hello"}""", LiveMessageKind.Rejected, 1007 },
        { "pcm16", """["hello"]""", LiveMessageKind.Rejected, 1007 },
        { "pcm16", """{"type":""", LiveMessageKind.Rejected, 1007 },
        { "pcm16", "hello", LiveMessageKind.Rejected, 1007 },
    };

    [Theory]
    [MemberData(nameof(TextMessages))]
    public void Control_messages_are_classified(string format, string text, LiveMessageKind kind, int close)
    {
        var message = LiveMessageClassifier.ClassifyText(Encoding.UTF8.GetBytes(text), LiveAudioFormat.FromSubprotocol(format)!);

        Assert.Equal(kind, message.Kind);
        Assert.Equal(close, (int?)message.Close?.Status ?? 0);
    }

    [Fact]
    public void Binary_messages_are_audio_unless_they_are_files_json_or_malformed()
    {
        var pcm = LiveAudioFormat.Pcm16;
        var opus = LiveAudioFormat.Opus;
        Assert.Equal(LiveMessageKind.Audio, LiveMessageClassifier.ClassifyBinary(Bytes(Tone(320, 16000)), pcm).Kind);
        Assert.Equal(LiveMessageKind.Audio, LiveMessageClassifier.ClassifyBinary("{\u0001"u8, pcm).Kind); // PCM that starts like JSON
        Assert.Equal(LiveMessageKind.Audio, LiveMessageClassifier.ClassifyBinary([0xF8, 0xFF, 0xFE], opus).Kind);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, LiveMessageClassifier.ClassifyBinary("RIFF\0\0\0\0WAVEfmt "u8, pcm).Close!.Status);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, LiveMessageClassifier.ClassifyBinary("OggS\0\0"u8, opus).Close!.Status);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, LiveMessageClassifier.ClassifyBinary("""{"type":"endOfSpeech"}"""u8, pcm).Close!.Status);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, LiveMessageClassifier.ClassifyBinary([1, 2, 3], pcm).Close!.Status);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, LiveMessageClassifier.ClassifyBinary([], pcm).Close!.Status);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, LiveMessageClassifier.ClassifyBinary([0x18, 1], opus).Close!.Status);
    }

    [Fact]
    public void Audio_that_starts_like_json_is_told_apart_without_an_exception()
    {
        // A soak of 50 live sockets threw ten JsonExceptions a second here: pcm16 frames whose first byte is '{' or '['.
        var frame = Bytes(Tone(320, 16000));
        frame[0] = (byte)'{';
        frame[1] = 0x00;
        var thrown = 0;
        var thread = Environment.CurrentManagedThreadId;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                thrown++;
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            Assert.Equal(LiveMessageKind.Audio, LiveMessageClassifier.ClassifyBinary(frame, LiveAudioFormat.Pcm16).Kind);
            Assert.Equal(LiveMessageKind.Audio, LiveMessageClassifier.ClassifyBinary("[\u0000\u0007\u0000"u8, LiveAudioFormat.Pcm16).Kind);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, thrown);

        // JSON sent as binary, whitespace and all, is still refused.
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, LiveMessageClassifier.ClassifyBinary("{\r\n\t\"type\": \"hello\"\r\n}"u8, LiveAudioFormat.Pcm16).Close!.Status);
    }

    [Fact]
    public void Close_reasons_fit_a_close_frame()
    {
        var close = LiveClose.Policy(new string('x', 300));

        Assert.True(Encoding.UTF8.GetByteCount(close.FrameReason) <= LiveClose.MaxReasonBytes);
        Assert.EndsWith("...", close.FrameReason, StringComparison.Ordinal);
        Assert.Equal("short", LiveClose.Policy("short").FrameReason);
    }

    [Fact]
    public void Playback_is_paced_at_real_time_with_the_lead_and_starts_again_after_a_pause()
    {
        var time = new FakeTimeProvider();
        var pacer = new PlaybackPacer(time, TimeSpan.FromMilliseconds(100));
        var frame = TimeSpan.FromMilliseconds(20);

        // The lead goes at once: frames until 100 ms are ahead.
        var sentAtOnce = 0;
        while (pacer.Delay() == TimeSpan.Zero && sentAtOnce < 100)
        {
            pacer.Sent(frame);
            sentAtOnce++;
        }

        Assert.Equal(6, sentAtOnce); // 120 ms ahead: the next waits 20 ms
        Assert.Equal(frame, pacer.Delay());
        time.Advance(frame);
        Assert.Equal(TimeSpan.Zero, pacer.Delay());
        pacer.Sent(frame);
        Assert.Equal(frame, pacer.Delay());

        // A pause longer than what was ahead: the client played everything; the lead starts again from now.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.Zero, pacer.Ahead);
        pacer.Sent(frame);
        Assert.Equal(frame, pacer.Ahead);
        Assert.Equal(TimeSpan.Zero, pacer.Delay());
    }

    [Fact]
    public void The_registry_refuses_a_duplicate_speaker_and_sockets_over_the_limits_and_frees_places()
    {
        var registry = new LiveSocketRegistry(Options.Create(new LiveVoiceOptions { MaxSocketsPerSession = 2, MaxSocketsPerProcess = 3 }));

        Assert.Null(registry.TryAdd(new SpeakerRef("a", "ana"), out var ana));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, registry.TryAdd(new SpeakerRef("a", "ana"), out _)!.Status);
        Assert.Null(registry.TryAdd(new SpeakerRef("a", "bob"), out var bob));
        Assert.Equal(LiveClose.TryAgainLater, registry.TryAdd(new SpeakerRef("a", "cid"), out _)!.Status);
        Assert.Null(registry.TryAdd(new SpeakerRef("b", "ana"), out var other));
        var full = registry.TryAdd(new SpeakerRef("c", "dan"), out _);
        Assert.Equal(LiveClose.TryAgainLater, full!.Status);
        Assert.Contains("server", full.Reason, StringComparison.Ordinal);
        Assert.Equal(3, registry.Open);

        ana!.Dispose();
        ana.Dispose(); // once only
        Assert.Equal(2, registry.Open);
        Assert.Null(registry.TryAdd(new SpeakerRef("a", "ana"), out var again));
        foreach (var lease in new[] { bob, other, again })
        {
            lease!.Dispose();
        }

        Assert.Equal(0, registry.Open);
    }

    [Theory]
    [InlineData("s1", "speaker=ana", "pcm16", null)]
    [InlineData("s1", "speaker=ana&wake=required", "opus", null)]
    [InlineData("s 1", "speaker=ana", "pcm16", "session")]
    [InlineData("s1", "", "pcm16", "speaker")]
    [InlineData("s1", "speaker=ana&wake=maybe", "pcm16", "wake")]
    [InlineData("s1", "speaker=ana&x=1", "pcm16", "'x'")]
    [InlineData("s1", "speaker=ana", null, "subprotocol")]
    public void The_request_is_read_from_the_route_the_query_and_the_subprotocol(string session, string query, string? subprotocol, string? refusal)
    {
        var parsed = QueryHelpers(query);
        var (request, close) = LiveVoiceRequest.Parse(session, parsed, LiveAudioFormat.FromSubprotocol(subprotocol));

        if (refusal is null)
        {
            Assert.Null(close);
            Assert.Equal(new SpeakerRef(session, "ana"), request!.Speaker);
            Assert.Equal(query.Contains("required", StringComparison.Ordinal) ? SessionWake.Required : SessionWake.Default, request.Wake);
        }
        else
        {
            Assert.Null(request);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, close!.Status);
            Assert.Contains(refusal, close.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_first_subprotocol_the_server_speaks_is_chosen()
    {
        Assert.Equal(LiveAudioFormat.Opus, LiveVoiceRequest.ChooseFormat(["wav", "opus", "pcm16"]));
        Assert.Null(LiveVoiceRequest.ChooseFormat(["PCM16"]));
    }

    [Fact]
    public void Answer_audio_becomes_16_khz_mono_pcm_or_mono_opus_packets()
    {
        var stereo = OpusPacketizer.Encode(new PcmAudio(Tone(48000, 48000), 48000, 1), channels: 2);
        using var toPcm = new AnswerAudioConverter(LiveAudioFormat.Pcm16);
        using var toOpus = new AnswerAudioConverter(LiveAudioFormat.Opus);

        var pcm = stereo.Sum(p => toPcm.Convert(p).Length);
        var opus = stereo.Select(p => toOpus.Convert(p)).ToArray();

        Assert.InRange(pcm, 30000, 32000); // about 1 s of 16 kHz 16-bit mono, less the resampler's delay
        Assert.All(opus, p => Assert.Null(OpusPacketCheck.Problem(p)));
        Assert.All(opus, p => Assert.Equal(0, p[0] & 4)); // mono
        Assert.Empty(toPcm.Convert([0x03])); // a corrupt packet is skipped
    }

    [Fact]
    public void A_live_profile_never_replaces_a_discord_one_and_rest_never_replaces_any()
    {
        var discord = SessionProfile.Discord(42);
        var live = SessionProfile.Live(SessionWake.Required);

        Assert.False(live.Replaces(discord));
        Assert.False(SessionProfile.Rest.Replaces(live));
        Assert.True(live.Replaces(SessionProfile.Rest));
        Assert.True(live.Replaces(null));
        Assert.True(SessionProfile.Live(SessionWake.Off).Replaces(live));
        Assert.False(SessionProfile.Live().Replaces(live)); // asks nothing: the session keeps what was asked
        Assert.True(SessionProfile.Live().Replaces(SessionProfile.Rest));
        Assert.False(live.Replaces(SessionProfile.Live(SessionWake.Required)));
        Assert.True(discord.Replaces(live));
    }

    private static QueryCollection QueryHelpers(string query) =>
        new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(k => k.Key, k => (StringValues)k.Value));
}
