using System.Text;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Events;
using AudioOrchestrator.Silo.Events;
using AudioOrchestrator.Testing;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Silo.Tests.Events;

/// <summary>One client's stream: keep-alives, turns once each across replay and live, a client that falls behind.</summary>
public sealed class SessionEventConnectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
    private readonly SessionEventMapper _mapper = new(Options.Create(new JsonOptions()));
    private readonly FakeTimeProvider _clock = new(T0);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConversationTurn Turn(string id, int second) => new(id, "ana", "echo " + id, "echo", id, T0, T0.AddSeconds(second));

    private static ArchivedTurn Archived(string id, int second) => ArchivedTurn.FromConversationTurn("s", null, Turn(id, second));

    private static async IAsyncEnumerable<ArchivedTurn> Replay(params ArchivedTurn[] turns)
    {
        foreach (var turn in turns)
        {
            await Task.Yield();
            yield return turn;
        }
    }

    [Fact]
    public async Task Replayed_and_live_turns_are_written_once_each_in_commit_order_then_live_events_follow()
    {
        await using var connection = new SessionEventConnection("s", _mapper, new SessionEventOptions(), _clock, new TurnPosition(T0.AddSeconds(1), "one"));
        var body = new RecordingStream();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        // Live events queued while the replay is read: the archive and the recent history overlap them.
        await connection.OfferAsync(new AnswerDelta("three", "thr"));
        await connection.OfferAsync(new TurnRecorded(null, Turn("three", 3)));
        await connection.OfferAsync(new AnswerAudio("three", 0, [[1]]));
        await connection.OfferAsync(new TurnRecorded(null, Turn("four", 4)));
        var run = connection.RunAsync(body, Replay(Archived("two", 2), Archived("one", 1), Archived("two", 2), Archived("three", 3)), stop.Token);

        await TestWait.UntilAsync(() => body.Text.Contains("id: ", StringComparison.Ordinal) && body.Text.Contains("\"four\"", StringComparison.Ordinal), () => body.Text);
        stop.Cancel();
        Assert.True(await run);

        var text = body.Text;
        Assert.StartsWith(": connected\n\n", text, StringComparison.Ordinal);
        var events = text.Split("\n\n").Where(f => f.StartsWith("event: ", StringComparison.Ordinal)).Select(f => f.Split('\n')[0][7..] + (f.Contains("\"turnId\":\"", StringComparison.Ordinal) ? ":" + f.Split("\"turnId\":\"")[1].Split('"')[0] : "")).ToArray();
        Assert.Equal(["turn:two", "turn:three", "answerDelta:three", "turn:four"], events);
    }

    [Fact]
    public async Task An_idle_stream_gets_a_keep_alive_comment_every_period()
    {
        await using var connection = new SessionEventConnection("s", _mapper, new SessionEventOptions { KeepAliveSeconds = 15 }, _clock);
        var body = new RecordingStream();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = connection.RunAsync(body, null, stop.Token);
        await TestWait.UntilAsync(() => body.Text.Length > 0, "the connected comment");

        _clock.Advance(TimeSpan.FromSeconds(14));
        await connection.OfferAsync(new AnswerDelta("t", "x"));
        await TestWait.UntilAsync(() => body.Text.Contains("answerDelta", StringComparison.Ordinal), () => body.Text);
        Assert.DoesNotContain("keep-alive", body.Text, StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await TestWait.UntilAsync(() => body.Text.EndsWith(": keep-alive\n\n", StringComparison.Ordinal), () => body.Text);
        _clock.Advance(TimeSpan.FromSeconds(15));
        await TestWait.UntilAsync(() => body.Text.Split("keep-alive").Length == 3, () => body.Text);

        stop.Cancel();
        Assert.True(await run);
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_with_a_final_error_and_offering_never_waits()
    {
        var options = new SessionEventOptions { BufferEvents = 16, FinalWriteSeconds = 5 };
        await using var connection = new SessionEventConnection("s", _mapper, options, _clock);
        var body = new RecordingStream();
        var run = connection.RunAsync(body, null, Ct);
        await TestWait.UntilAsync(() => body.Text.Length > 0, "the connected comment");
        body.Stall();

        await connection.OfferAsync(new AnswerDelta("t", "first")); // taken, and its write stalls
        await TestWait.UntilAsync(() => body.PendingWrites == 1, "the stalled write");
        for (var i = 0; i < 100; i++)
        {
            Assert.True(connection.OfferAsync(new AnswerDelta("t", "more")).IsCompletedSuccessfully);
        }

        Assert.True(connection.Overflowed);
        await TestWait.UntilAsync(() => body.PendingWrites == 2, "the final error event's write"); // the stalled write was given up
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await TestWait.ForAsync(run, "the run to end")); // the error could not be written: abort

        // A client that is slow but reads again gets the error event and a clean end.
        await using var slow = new SessionEventConnection("s", _mapper, options, _clock);
        var slowBody = new RecordingStream();
        var slowRun = slow.RunAsync(slowBody, null, Ct);
        await TestWait.UntilAsync(() => slowBody.Text.Length > 0, "the connected comment");
        slowBody.Stall();
        await slow.OfferAsync(new AnswerDelta("t", "first"));
        await TestWait.UntilAsync(() => slowBody.PendingWrites == 1, "the stalled write");
        for (var i = 0; i < 20; i++)
        {
            await slow.OfferAsync(new AnswerDelta("t", "more"));
        }

        await TestWait.UntilAsync(() => slowBody.PendingWrites == 2, "the final error event's write");
        slowBody.Resume();
        Assert.True(await TestWait.ForAsync(slowRun, "the run to end"));
        Assert.EndsWith("event: error\ndata: {\"code\":\"overflow\",\"message\":\"This client fell more than 16 events behind the session; reconnect with Last-Event-ID to resume.\"}\n\n", slowBody.Text, StringComparison.Ordinal);
    }

    /// <summary>A response body that records what is written; while stalled, writes wait (until cancelled or resumed).</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly Lock _lock = new();
        private readonly StringBuilder _text = new();
        private TaskCompletionSource _open = CompletedGate();
        private int _pending;

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return _text.ToString();
                }
            }
        }

        public int PendingWrites => Volatile.Read(ref _pending);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Stall() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Resume() => _open.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var gate = _open.Task;
            if (!gate.IsCompleted)
            {
                Interlocked.Increment(ref _pending);
                await gate.WaitAsync(cancellationToken);
            }

            lock (_lock)
            {
                _text.Append(Encoding.UTF8.GetString(buffer.Span));
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static TaskCompletionSource CompletedGate()
        {
            var gate = new TaskCompletionSource();
            gate.SetResult();
            return gate;
        }
    }
}
