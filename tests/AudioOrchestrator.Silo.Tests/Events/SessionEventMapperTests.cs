using System.Text.Json;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Events;
using AudioOrchestrator.Silo.Events;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Tests.Events;

/// <summary>The one JSON shape of each session event.</summary>
public sealed class SessionEventMapperTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
    private readonly SessionEventMapper _mapper = new(Options.Create(new JsonOptions()));

    private static JsonElement Data(SessionEventMessage message) => JsonDocument.Parse(message.Data).RootElement;

    [Fact]
    public void Each_output_event_has_its_name_and_camel_case_data()
    {
        var timings = new TurnTimings(10, 20, 30, 40, 500);
        var started = Assert.Single(_mapper.Map("s", new AnswerStarted("t1", "ana", "echo hi", "echo", new TurnRoute(TurnRoute.Phrase, "echo")) { CorrelationId = "c1" }));
        var delta = Assert.Single(_mapper.Map("s", new AnswerDelta("t1", "hi")));
        var completed = Assert.Single(_mapper.Map("s", new AnswerCompleted("t1", timings, "hi")));
        var failed = Assert.Single(_mapper.Map("s", new TurnFailed("t2", "no agent")));
        var resumed = Assert.Single(_mapper.Map("s", new PlaybackResumed("bob")));
        var interrupted = Assert.Single(_mapper.Map("s", new AnswerInterrupted("t1", "bob")));
        var input = Assert.Single(_mapper.Map("s", new InputCompleted("ana", 2)));
        var speech = Assert.Single(_mapper.Map("s", new SpeechStarted("ana", At)));

        Assert.Equal(
            ["answerStarted", "answerDelta", "answerCompleted", "turnFailed", "playbackResumed", "answerInterrupted", "inputCompleted", "speechStarted"],
            new[] { started, delta, completed, failed, resumed, interrupted, input, speech }.Select(m => m.Event));
        Assert.All(new[] { started, delta, completed, failed, resumed, interrupted, input, speech }, m => Assert.Null(m.Id));
        Assert.Equal(("t1", "ana", "echo hi", "echo", "phrase", "echo", "c1"), (
            Data(started).GetProperty("turnId").GetString(), Data(started).GetProperty("speakerId").GetString(), Data(started).GetProperty("transcript").GetString(),
            Data(started).GetProperty("agent").GetString(), Data(started).GetProperty("route").GetProperty("reason").GetString(),
            Data(started).GetProperty("route").GetProperty("detail").GetString(), Data(started).GetProperty("correlationId").GetString()));
        Assert.Equal("hi", Data(delta).GetProperty("text").GetString());
        Assert.Equal((30.0, "hi"), (Data(completed).GetProperty("timings").GetProperty("ttsMs").GetDouble(), Data(completed).GetProperty("responseText").GetString()));
        Assert.Equal("no agent", Data(failed).GetProperty("reason").GetString());
        Assert.Equal("bob", Data(interrupted).GetProperty("speakerId").GetString());
        Assert.Equal(2, Data(input).GetProperty("turnCount").GetInt32());
        Assert.Equal((At, JsonValueKind.Null), (Data(speech).GetProperty("at").GetDateTimeOffset(), Data(speech).GetProperty("correlationId").ValueKind));
    }

    [Fact]
    public void A_pause_is_a_speech_onset_too_and_audio_and_actions_are_not_events()
    {
        var paused = _mapper.Map("s", new PlaybackPaused("bob", At));

        Assert.Equal(["speechStarted", "playbackPaused"], paused.Select(m => m.Event));
        Assert.Equal("bob", Data(paused[1]).GetProperty("speakerId").GetString());
        Assert.Empty(_mapper.Map("s", new AnswerAudio("t1", 0, [[1, 2, 3]])));
        Assert.Empty(_mapper.Map("s", new AgentActionRequested("t1", new AgentAction(AgentAction.LeaveVoiceChannel))));
    }

    [Fact]
    public void A_recorded_turn_is_the_archive_item_with_a_resume_id_of_its_commit_time_in_microseconds()
    {
        var committed = At.AddTicks(12345678); // 1234567.8 us: the archive keeps 1234567
        var turn = new ConversationTurn("t1", "ana", "echo hi", "echo", "hi", At, committed, Route: new TurnRoute(TurnRoute.Phrase, "echo"), Source: TurnSources.Text);

        var message = Assert.Single(_mapper.Map("s", new TurnRecorded("g1", turn)));

        Assert.Equal("turn", message.Event);
        var micros = (At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 + 1234567;
        Assert.Equal($"{micros}.t1", message.Id);
        var data = Data(message);
        Assert.Equal(("s", "g1", "t1", "text"), (data.GetProperty("sessionId").GetString(), data.GetProperty("guildId").GetString(), data.GetProperty("turnId").GetString(), data.GetProperty("source").GetString()));
        Assert.Equal(At.AddTicks(12345670), data.GetProperty("committedAt").GetDateTimeOffset());
        Assert.True(TurnEventId.TryParse(message.Id, out var position));
        Assert.Equal(new TurnPosition(committed, "t1"), position);
    }

    [Fact]
    public void A_frame_has_event_id_and_data_lines_and_ends_with_a_blank_line()
    {
        Assert.Equal("event: turn\nid: 5.t\ndata: {\"a\":1}\n\n", new SessionEventMessage("turn", "{\"a\":1}", "5.t").ToServerSentEvent());
        Assert.Equal("event: x\ndata: a\ndata: b\n\n", new SessionEventMessage("x", "a\r\nb").ToServerSentEvent());
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12")]
    [InlineData(".t1")]
    [InlineData("-5.t1")]
    [InlineData("5.")]
    [InlineData("5.bad id")]
    [InlineData("99999999999999999999999.t1")]
    [InlineData("999999999999999999.t1")]
    public void Malformed_resume_ids_are_refused(string id) => Assert.False(TurnEventId.TryParse(id, out _));

    [Fact]
    public void A_resume_id_reads_back_with_dots_in_the_turn_id()
    {
        var position = new TurnPosition(At, "utt.1:a");
        Assert.True(TurnEventId.TryParse(TurnEventId.Format(position), out var parsed));
        Assert.Equal(position, parsed);
    }
}
