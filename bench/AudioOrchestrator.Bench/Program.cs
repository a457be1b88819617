using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Bench;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

// Usage: dotnet run -c Release --project bench/AudioOrchestrator.Bench [-- --turns 100 --embedded-turns 20 --barge-ins 20 --llm-turns 50 --only idle,overhead,embedded,wake,barge-in,llm,speech,acting,text,archive,live --archive-appends 2000 --archive-queries 200 --archive-queries-only --live-turns 100 --live-max-sockets 160 --live-ramp-turns 3]
var turns = IntArg("--turns", 100);
var llmTurns = IntArg("--llm-turns", 50);
var embeddedTurns = IntArg("--embedded-turns", 20);
var bargeIns = IntArg("--barge-ins", 20);
var only = Array.IndexOf(args, "--only") is var o && o >= 0 && o + 1 < args.Length ? args[o + 1].Split(',') : null;
var figures = new Dictionary<string, object>();
var ct = CancellationToken.None;

// 0. Idle (--only idle): the service as scripts/run.sh starts it (embedded defaults), no session; after 60 s of
//    start-up settling (speech engines loading, JIT tiering), the process' CPU over 20 s in percent of one core, and
//    its resident set. Runs first, so the resident set is the idle service's own.
if (Runs("idle"))
{
    var (cpu, rss) = await IdleProbe.MeasureAsync(() => BenchService.StartAsync(), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(20), ct);
    Report("idle_cpu_percent_of_core", cpu);
    Report("idle_rss_mb", rss);
}

// 1. Orchestration overhead: instant tone-based engines, so what remains is streams, grains, routing,
//    persistence, Opus encoding of the answer and the hops back to the ingress.
if (Runs("overhead"))
{
    var stt = new ToneSpeechToText();
    // Tones stand in for speech here, so the energy detector segments them (Silero rightly ignores tones).
    await using var app = await BenchService.StartAsync(stt, new ToneTextToSpeech(), voiceActivityDetector: "Energy");
    var probe = new TurnProbe(app.Services);
    var packets = TurnProbe.Packets(TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(440, 400), TestAudio.Silence(100)));
    for (var i = 0; i < 10; i++)
    {
        await probe.MeasureAsync($"warmup-{i}", packets, ct, paced: false);
    }

    var overhead = new List<double>();
    var inSilo = new List<double>();
    var hops = new List<double>();
    for (var i = 0; i < turns; i++)
    {
        var m = await probe.MeasureAsync($"overhead-{i % 10}", packets, ct);
        overhead.Add(m.EndOfInputToFirstAnswerFrameMs - m.Timings.SttMs);
        inSilo.Add(m.Timings.EndOfUtteranceToFirstAudioMs - m.Timings.SttMs);
        hops.Add(m.EndOfInputToFirstAnswerFrameMs - m.Timings.EndOfUtteranceToFirstAudioMs);
    }

    Report("turn_in_silo_ms_p50", Percentiles.Of(inSilo, 50));
    Report("turn_stream_hops_ms_p50", Percentiles.Of(hops, 50));

    var hop = await new StreamHopProbe(app.Services).MeasureAsync(250, ct);
    Report("stream_hop_ms_p50", Percentiles.Of(hop, 50));
    Report("stream_hop_ms_p99", Percentiles.Of(hop, 99));

    Report("turn_overhead_ms_p50", Percentiles.Of(overhead, 50));
    Report("turn_overhead_ms_p99", Percentiles.Of(overhead, 99));
    Report("turn_overhead_ms_max", overhead.Max());
}

// 2. Embedded engines: pocketsphinx + espeak-ng, end of utterance to the first answer frame on audio-out.
if (Runs("embedded"))
{
    // The questions are spoken by espeak-ng, so pocketsphinx uses the model enrolled to that voice.
    await using var app = await BenchService.StartAsync(acousticModelPath: await EspeakVoiceEnrolment.GetModelAsync(ct));
    var tts = app.Services.GetRequiredService<ITextToSpeechClient>();
    var probe = new TurnProbe(app.Services);
    string[] questions = ["echo hello world", "what time is it", "echo good morning", "help"];
    var spoken = new List<IReadOnlyList<byte[]>>();
    foreach (var q in questions)
    {
        var response = await tts.GetAudioAsync(q, cancellationToken: ct);
        var audio = WavCodec.Decode(response.Contents.OfType<DataContent>().Single().Data.Span);
        spoken.Add(TurnProbe.Packets(TestAudio.Concat(audio.ToMono().ResampleTo(16000), TestAudio.Silence(100))));
    }

    await probe.MeasureAsync("embedded-warmup", spoken[0], ct);
    var endToFirst = new List<double>();
    var stt = new List<double>();
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < embeddedTurns; i++)
    {
        var m = await probe.MeasureAsync($"embedded-{i % 4}", spoken[i % spoken.Count], ct);
        endToFirst.Add(m.Timings.EndOfUtteranceToFirstAudioMs);
        stt.Add(m.Timings.SttMs);
    }

    Report("embedded_turn_ms_p50", Percentiles.Of(endToFirst, 50));
    Report("embedded_turn_ms_p95", Percentiles.Of(endToFirst, 95));
    Report("embedded_stt_ms_p50", Percentiles.Of(stt, 50));
}

// 3. Wake phrase spotting: end of the wake phrase to its detection, on espeak-ng speech fed 20 ms at a time.
if (Runs("wake"))
{
    var wake = await WakeProbe.MeasureAsync(await EspeakVoiceEnrolment.GetModelAsync(ct), ct);
    Report("wake_detect_ms_p50", Percentiles.Of(wake.LatenciesMs, 50));
    Report("wake_detect_ms_p95", Percentiles.Of(wake.LatenciesMs, 95));
    Report("wake_detect_missed", wake.Missed);
    Report("wake_false_detections", wake.FalseDetections);
    Report("wake_spotting_cpu_ms_per_s", wake.CpuMsPerAudioSecond);
}

// 4. Barge-in: speech onset (first audio-in packet with speech) to the playback player holding its frames, through the
//    real service (Silero VAD, embedded engines) and SessionAudioPlayer.
if (Runs("barge-in"))
{
    await using var app = await BenchService.StartAsync(acousticModelPath: await EspeakVoiceEnrolment.GetModelAsync(ct));
    var (stops, missed) = await new BargeInProbe(app.Services).MeasureAsync(bargeIns, ct);
    Report("barge_in_stop_ms_p50", Percentiles.Of(stops, 50));
    Report("barge_in_stop_ms_p95", Percentiles.Of(stops, 95));
    Report("barge_in_missed", missed);
}

// 5. Language model: the fake OpenAI-compatible server with a fixed time to first token (200 ms) and 50 tokens/s,
//    instant tone speech engines. What the service adds to a model's answer, and how fast talking over it aborts it.
if (Runs("llm"))
{
    await using var model = await AudioOrchestrator.Testing.OpenAi.FakeOpenAiServer.StartAsync(LlmProbe.Answer);
    var questions = new ToneSpeechToText(new Dictionary<int, string>(ToneSpeechToText.DefaultPhrases) { [2100] = "what is the capital of france" });
    await using var app = await BenchService.StartAsync(questions, new ToneTextToSpeech(), voiceActivityDetector: "Energy", settings: new Dictionary<string, string?>
    {
        ["Llm:Provider"] = "OpenAI",
        ["Llm:Endpoint"] = model.BaseUrl.ToString(),
        ["Llm:Model"] = "fake-model",
        ["WakeWord:Mode"] = "AlwaysListening",
    });
    var probe = new LlmProbe(model, app.Services);
    var overhead = await probe.FirstAudioOverheadAsync(llmTurns, ct);
    Report("llm_turn_first_audio_overhead_ms_p50", Percentiles.Of(overhead, 50));
    Report("llm_turn_first_audio_overhead_ms_p99", Percentiles.Of(overhead, 99));
    var (aborts, abortMissed) = await probe.BargeInAbortAsync(bargeIns, ct);
    Report("barge_in_generation_abort_ms_p50", Percentiles.Of(aborts, 50));
    Report("barge_in_generation_abort_ms_p95", Percentiles.Of(aborts, 95));
    Report("barge_in_generation_abort_missed", abortMissed);
    figures["llm_turns"] = llmTurns;
}

// 5b. Speech engines: cloud speech's first audio (Ogg Opus passed through against WAV and PCM re-encoded; a streamed
//     body's first audio against the whole body), a stalled cloud
//     transcriber handed to the embedded engine, and the Whisper processor pool on the empty test model.
if (Runs("speech"))
{
    var opusOverhead = await SpeechProbe.CloudFirstAudioOverheadAsync(AudioOrchestrator.Speech.CloudSpeechFormat.Opus, 50, ct);
    var wavOverhead = await SpeechProbe.CloudFirstAudioOverheadAsync(AudioOrchestrator.Speech.CloudSpeechFormat.Wav, 50, ct);
    Report("cloud_tts_first_audio_overhead_ms_p50", Percentiles.Of(opusOverhead, 50));
    Report("cloud_tts_first_audio_overhead_ms_p99", Percentiles.Of(opusOverhead, 99));
    Report("cloud_tts_first_audio_overhead_ms_p50_wav", Percentiles.Of(wavOverhead, 50));
    var pcmOverhead = await SpeechProbe.CloudFirstAudioOverheadAsync(AudioOrchestrator.Speech.CloudSpeechFormat.Pcm, 50, ct);
    Report("cloud_tts_first_audio_overhead_ms_p50_pcm", Percentiles.Of(pcmOverhead, 50));
    var (streamedFirst, wholeBody) = await SpeechProbe.StreamedAgainstWholeAsync(TimeSpan.FromMilliseconds(20), 10, ct);
    Report("cloud_tts_streamed_first_audio_ms_p50", Percentiles.Of(streamedFirst, 50));
    Report("cloud_tts_whole_body_ms_p50", Percentiles.Of(wholeBody, 50));
    Report("cloud_tts_streamed_first_audio_ratio_to_whole", Percentiles.Of(streamedFirst, 50) / Percentiles.Of(wholeBody, 50));
    var (fallback, embeddedAlone) = await SpeechProbe.SttFallbackAsync(30, ct);
    Report("stt_fallback_ms_p95", Percentiles.Of(fallback, 95));
    Report("stt_fallback_timeout_ms", SpeechProbe.FallbackTimeout.TotalMilliseconds);
    Report("stt_fallback_embedded_ms_p95", Percentiles.Of(embeddedAlone, 95));
    Report("stt_fallback_overhead_ms_p95", Percentiles.Of(fallback, 95) - SpeechProbe.FallbackTimeout.TotalMilliseconds - Percentiles.Of(embeddedAlone, 95));
    var free = await SpeechProbe.WhisperPoolWaitsAsync(speakers: 8, processors: 8, rounds: 3, ct);
    Report("whisper_pool_overhead_ms", Percentiles.Of(free, 50));
    Report("whisper_pool_overhead_ms_p99", Percentiles.Of(free, 99));
    var bounded = await SpeechProbe.WhisperPoolWaitsAsync(speakers: 8, processors: 2, rounds: 3, ct);
    Report("whisper_pool_wait_ms_p50_8_on_2", Percentiles.Of(bounded, 50));
}

// 6. Acting: preemptive answering (live questions, off and on), a provider failing 30 % of the time with a fallback,
//    and a local tool call's cost inside a turn.
if (Runs("acting"))
{
    var questions = new ToneSpeechToText(new Dictionary<int, string>(ToneSpeechToText.DefaultPhrases) { [2100] = "what is the capital of france" });
    await using var model = await AudioOrchestrator.Testing.OpenAi.FakeOpenAiServer.StartAsync(LlmProbe.Answer);
    await using var fallback = await AudioOrchestrator.Testing.OpenAi.FakeOpenAiServer.StartAsync(LlmProbe.Answer);
    var modelSettings = new Dictionary<string, string?>
    {
        ["Llm:Provider"] = "OpenAI",
        ["Llm:Endpoint"] = model.BaseUrl.ToString(),
        ["Llm:Model"] = "fake-model",
        ["Llm:Fallbacks:0:Provider"] = "OpenAI",
        ["Llm:Fallbacks:0:Endpoint"] = fallback.BaseUrl.ToString(),
        ["Llm:Fallbacks:0:Model"] = "fallback-model",
        ["WakeWord:Mode"] = "AlwaysListening",
    };
    Task<Microsoft.AspNetCore.Builder.WebApplication> StartWithModel(IReadOnlyDictionary<string, string?> extra) =>
        BenchService.StartAsync(questions, new ToneTextToSpeech(), voiceActivityDetector: "Energy", settings: new Dictionary<string, string?>(modelSettings.Concat(extra)));
    var modelQuestion = TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(2100, 600));
    var (off, on) = await ActingProbe.PreemptiveAsync(StartWithModel, [modelQuestion], llmTurns / 2, ct);
    Report("preemptive_off_first_audio_ms_p50", Percentiles.Of(off, 50));
    Report("preemptive_on_first_audio_ms_p50", Percentiles.Of(on, 50));
    Report("preemptive_saving_ms_p50", Percentiles.Of(off, 50) - Percentiles.Of(on, 50));

    var acousticModel = await EspeakVoiceEnrolment.GetModelAsync(ct);
    var espeakQuestions = new List<PcmAudio>();
    foreach (var q in new[] { "echo hello world", "what time is it", "echo good morning" })
    {
        espeakQuestions.Add(WavCodec.Decode(await EspeakCli.SayAsync(q, ct)));
    }

    var (embeddedOff, embeddedOn) = await ActingProbe.PreemptiveAsync(
        extra => BenchService.StartAsync(acousticModelPath: acousticModel, settings: extra), espeakQuestions, embeddedTurns, ct);
    Report("preemptive_embedded_off_first_audio_ms_p50", Percentiles.Of(embeddedOff, 50));
    Report("preemptive_embedded_on_first_audio_ms_p50", Percentiles.Of(embeddedOn, 50));
    Report("preemptive_saving_embedded_ms_p50", Percentiles.Of(embeddedOff, 50) - Percentiles.Of(embeddedOn, 50));

    await using (var app = await StartWithModel(new Dictionary<string, string?>()))
    {
        var faultyTurns = Math.Max(20, llmTurns);
        var (answered, firstAudio) = await ActingProbe.FaultyProviderAsync(app.Services, model, faultyTurns, ct);
        Report("faulty_provider_turns_answered_ratio", answered / (double)faultyTurns);
        Report("faulty_provider_first_audio_ms_p99", Percentiles.Of(firstAudio, 99));

        var tool = await ActingProbe.ToolCallOverheadAsync(app.Services, model, llmTurns, ct);
        Report("tool_call_overhead_ms_p50", Percentiles.Of(tool, 50));
        Report("tool_call_overhead_ms_p99", Percentiles.Of(tool, 99));
    }
}

// 7. Text turns: POST .../messages over loopback HTTP with an instant agent (echo), nothing spoken. Streamed and JSON
//    answers, the same turn without HTTP, and a plain HTTP round trip, measured in turn under the same load, in
//    conversations of 20 turns; a conversation's opening message (the session activated first) is reported apart.
if (Runs("text"))
{
    await using var app = await BenchService.StartAsync(new ToneSpeechToText(), new ToneTextToSpeech(), voiceActivityDetector: "Energy");
    using var probe = new TextTurnProbe(app);
    var text = await probe.MeasureAsync(turns, ct);
    Report("text_turn_overhead_ms_p50", Percentiles.Of(text.FirstDelta, 50));
    Report("text_turn_overhead_ms_p99", Percentiles.Of(text.FirstDelta, 99));
    Report("text_turn_json_ms_p50", Percentiles.Of(text.JsonAnswer, 50));
    Report("text_turn_json_ms_p99", Percentiles.Of(text.JsonAnswer, 99));
    Report("text_turn_in_cluster_ms_p50", Percentiles.Of(text.InCluster, 50));
    Report("text_turn_in_cluster_ms_p99", Percentiles.Of(text.InCluster, 99));
    Report("http_round_trip_ms_p50", Percentiles.Of(text.HttpRoundTrip, 50));
    Report("http_round_trip_ms_p99", Percentiles.Of(text.HttpRoundTrip, 99));
    Report("text_turn_new_session_ms_p50", Percentiles.Of(text.NewSessionFirstDelta, 50));
}

// 8. Turn archive: appends at 200 turns/s on SQLite and PostgreSQL, the turn overhead with no archive, a SQLite and a
//    PostgreSQL archive (three services measured in rotation, turn by turn), and session listings over 1,000,000
//    archived turns in 10,000 sessions on PostgreSQL (AUDIOORCHESTRATOR_BENCH_POSTGRES, else AUDIOORCHESTRATOR_TEST_POSTGRES:
//    a role that may create the database audioorchestrator_bench, which keeps the seeded turns between runs).
if (Runs("archive"))
{
    var archiveDirectory = Directory.CreateTempSubdirectory("ao-bench-archive-");
    var sqlitePath = Path.Combine(archiveDirectory.FullName, "archive.db");
    var postgres = await ArchiveBenchDatabase.ConnectionStringAsync(ct);
    try
    {
        var appendCount = IntArg("--archive-appends", 2000);
        var queriesOnly = args.Contains("--archive-queries-only", StringComparer.Ordinal);
        if (!queriesOnly)
        {
            await using (var sqlite = new AudioOrchestrator.Archive.SqliteTurnArchive(sqlitePath, Microsoft.Extensions.Logging.Abstractions.NullLogger<AudioOrchestrator.Archive.SqliteTurnArchive>.Instance))
            {
                var appends = await ArchiveProbe.AppendAtRateAsync(sqlite, 200, appendCount, ct);
                Report("archive_append_ms_p50_sqlite", Percentiles.Of(appends, 50));
                Report("archive_append_ms_p99_sqlite", Percentiles.Of(appends, 99));
            }

            if (postgres is not null)
            {
                await using var pg = AudioOrchestrator.Archive.PostgresTurnArchive.Create(postgres, Microsoft.Extensions.Logging.Abstractions.NullLogger<AudioOrchestrator.Archive.PostgresTurnArchive>.Instance);
                var appends = await ArchiveProbe.AppendAtRateAsync(pg, 200, appendCount, ct);
                Report("archive_append_ms_p50_postgres", Percentiles.Of(appends, 50));
                Report("archive_append_ms_p99_postgres", Percentiles.Of(appends, 99));
            }

            // The same turns through three services at once, one turn each in rotation, so load on the machine falls on all alike.
            var variants = new List<(string Name, Microsoft.AspNetCore.Builder.WebApplication App)>();
            try
            {
                Task<Microsoft.AspNetCore.Builder.WebApplication> Start(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null) =>
                    BenchService.StartAsync(new ToneSpeechToText(), new ToneTextToSpeech(), voiceActivityDetector: "Energy", settings: settings, services: services);
                variants.Add(("none", await Start(new Dictionary<string, string?> { ["Archive:SqlitePath"] = Path.Combine(archiveDirectory.FullName, "unused.db") },
                    services => services.AddSingleton<AudioOrchestrator.Grains.Conversations.ITurnArchiveSink, NullTurnArchiveSink>())));
                variants.Add(("sqlite", await Start(new Dictionary<string, string?> { ["Archive:SqlitePath"] = Path.Combine(archiveDirectory.FullName, "service.db") })));
                if (postgres is not null)
                {
                    variants.Add(("postgres", await Start(new Dictionary<string, string?> { ["Archive:Store"] = "Postgres", ["Archive:ConnectionString"] = postgres })));
                }

                var probes = variants.Select(v => new TurnProbe(v.App.Services)).ToArray();
                var packets = TurnProbe.Packets(TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(440, 400), TestAudio.Silence(100)));
                var overheads = variants.Select(_ => new List<double>()).ToArray();
                for (var round = -10; round < turns; round++)
                {
                    for (var v = 0; v < probes.Length; v++)
                    {
                        var m = await probes[v].MeasureAsync($"archive-{v}-{(round + 10) % 10}", packets, ct, paced: round >= 0);
                        if (round >= 0)
                        {
                            overheads[v].Add(m.EndOfInputToFirstAnswerFrameMs - m.Timings.SttMs);
                        }
                    }
                }

                for (var v = 0; v < variants.Count; v++)
                {
                    Report($"turn_overhead_ms_p99_archive_{variants[v].Name}", Percentiles.Of(overheads[v], 99));
                    if (v > 0)
                    {
                        Report($"turn_overhead_rise_ms_p99_{variants[v].Name}", Percentiles.Of(overheads[v], 99) - Percentiles.Of(overheads[0], 99));
                        Report($"turn_overhead_rise_ms_p50_{variants[v].Name}", Percentiles.Of(overheads[v], 50) - Percentiles.Of(overheads[0], 50));
                    }
                }
            }
            finally
            {
                foreach (var (_, app) in variants)
                {
                    await app.DisposeAsync();
                }
            }
        }

        if (postgres is not null)
        {
            await using var dataSource = Npgsql.NpgsqlDataSource.Create(postgres);
            var pg = new AudioOrchestrator.Archive.PostgresTurnArchive(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<AudioOrchestrator.Archive.PostgresTurnArchive>.Instance);
            var seeded = await ArchiveProbe.SeedPostgresAsync(dataSource, pg, sessions: 10_000, turnsPerSession: 100, ct);
            Report("archive_seed_s", seeded);
            await ArchiveProbe.QuerySessionsAsync(pg, 20, seed: 1, ct); // warm-up, other queries than those measured
            var queries = await ArchiveProbe.QuerySessionsAsync(pg, IntArg("--archive-queries", 200), seed: 20261206, ct);
            var all = queries.Select(q => q.Ms).ToList();
            Report("sessions_query_ms_p50", Percentiles.Of(all, 50));
            Report("sessions_query_ms_p95", Percentiles.Of(all, 95));
            Report("sessions_query_ms_max", all.Max());
            foreach (var kind in queries.GroupBy(q => q.Kind))
            {
                Report($"sessions_query_ms_p95_{kind.Key}", Percentiles.Of([.. kind.Select(q => q.Ms)], 95));
            }
        }
        else
        {
            Console.WriteLine("archive: no PostgreSQL (AUDIOORCHESTRATOR_BENCH_POSTGRES or AUDIOORCHESTRATOR_TEST_POSTGRES): PostgreSQL figures skipped");
        }
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        archiveDirectory.Delete(recursive: true);
    }
}

// 9. Live voice WebSocket (--only live): the turn overhead of a live pcm16 socket against a REST upload of the same
//    question, in rotation in one service (instant tone engines); then concurrent live speakers (each its own session,
//    an open microphone at real time), ramped 4, 6, 9, 13, 19, ... (x1.5) up to --live-max-sockets until the p99
//    overhead reaches 20 ms or a turn fails.
if (Runs("live"))
{
    await using var app = await BenchService.StartAsync(new ToneSpeechToText(), new ToneTextToSpeech(), voiceActivityDetector: "Energy", settings: new Dictionary<string, string?>
    {
        ["LiveVoice:MaxSocketsPerProcess"] = "2000",
    });
    var probe = new LiveVoiceProbe(app);
    var (pcm, wav) = LiveVoiceProbe.Question(TestAudio.Concat(TestAudio.Silence(200), TestAudio.Tone(440, 400), TestAudio.Silence(100)));
    using var http = new HttpClient();
    var liveTurns = IntArg("--live-turns", turns);
    var rest = new List<double>();
    var live = new List<double>();
    var liveAtClient = new List<double>();
    await using (var speaker = await probe.ConnectAsync("bench-live-0", ct))
    {
        for (var round = -5; round < liveTurns; round++)
        {
            var r = await probe.RestTurnAsync(http, $"bench-rest-{(round + 5) % 10}", wav, ct);
            var (atSession, atClient) = await speaker.TurnAsync(pcm, ct);
            if (round >= 0)
            {
                rest.Add(r);
                live.Add(atSession);
                liveAtClient.Add(atClient);
            }
        }
    }

    Report("rest_upload_turn_overhead_ms_p50", Percentiles.Of(rest, 50));
    Report("rest_upload_turn_overhead_ms_p99", Percentiles.Of(rest, 99));
    Report("ws_live_turn_overhead_ms_p50", Percentiles.Of(live, 50));
    Report("ws_live_turn_overhead_ms_p99", Percentiles.Of(live, 99));
    Report("ws_live_to_rest_overhead_ratio_p99", Percentiles.Of(live, 99) / Percentiles.Of(rest, 99));
    Report("ws_live_first_audio_at_client_ms_p99", Percentiles.Of(liveAtClient, 99));
    figures["live_turns"] = liveTurns;

    var maxSockets = IntArg("--live-max-sockets", 160);
    var rampTurns = IntArg("--live-ramp-turns", 3);
    var speakers = new List<LiveVoiceProbe.LiveSpeaker>();
    var held = 0;
    try
    {
        for (var step = 4; step <= maxSockets; step = Math.Max(step + 1, step * 3 / 2))
        {
            while (speakers.Count < step)
            {
                speakers.Add(await probe.ConnectAsync($"bench-load-{speakers.Count}", ct));
            }

            var overheads = new System.Collections.Concurrent.ConcurrentBag<double>();
            var failures = 0;
            var offsets = new Random(step);
            await Task.WhenAll(speakers.Select(async s =>
            {
                await Task.Delay(offsets.Next(0, 1000), ct); // speakers do not all start at once
                for (var t = 0; t < rampTurns; t++)
                {
                    try
                    {
                        overheads.Add((await s.TurnAsync(pcm, ct)).Session);
                    }
                    catch (TimeoutException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }));
            var p99 = Percentiles.Of([.. overheads], 99);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step} live sockets: overhead p99 {p99:F2} ms, p50 {Percentiles.Of([.. overheads], 50):F2} ms, {failures} failed turns"));
            figures[$"ws_live_overhead_ms_p99_at_{step}"] = Math.Round(p99, 2);
            if (failures > 0 || p99 >= 20)
            {
                break;
            }

            held = step;
        }
    }
    finally
    {
        foreach (var s in speakers)
        {
            await s.DisposeAsync();
        }
    }

    Report("ws_live_sockets_per_silo", held);
    figures["live_ramp_turns"] = rampTurns;
}

figures["turns"] = turns;
figures["barge_ins"] = bargeIns;
figures["embedded_turns"] = embeddedTurns;
figures["processors"] = Environment.ProcessorCount;
Console.WriteLine(JsonSerializer.Serialize(figures));
return 0;

void Report(string name, double value)
{
    var rounded = Math.Round(value, 2);
    figures[name] = rounded;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {rounded,10:F2}"));
}

bool Runs(string section) => only is null || only.Contains(section, StringComparer.Ordinal);

int IntArg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
