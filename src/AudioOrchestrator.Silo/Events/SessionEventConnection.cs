using System.Text;
using System.Threading.Channels;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Events;

namespace AudioOrchestrator.Silo.Events;

/// <summary>
/// One client's live events: the session's output is offered without ever waiting (<see cref="OfferAsync"/>, the
/// listener the session hub calls) into a bounded queue that <see cref="RunAsync"/> writes to the client as
/// Server-Sent Events, with a keep-alive comment every <see cref="SessionEventOptions.KeepAliveSeconds"/>. A client that
/// falls <see cref="SessionEventOptions.BufferEvents"/> events behind gets a final <c>error</c> event and is dropped.
/// Committed turns are written once each, in commit order, across a replay and the live events that follow it.
/// </summary>
public sealed class SessionEventConnection : IAsyncDisposable
{
    /// <summary>The <c>error</c> code of a connection dropped for falling behind.</summary>
    public const string OverflowCode = "overflow";

    private static readonly byte[] KeepAlive = Encoding.UTF8.GetBytes(": keep-alive\n\n");
    private static readonly byte[] Connected = Encoding.UTF8.GetBytes(": connected\n\n");

    private readonly string _sessionId;
    private readonly SessionEventMapper _mapper;
    private readonly SessionEventOptions _options;
    private readonly TimeProvider _clock;
    private readonly Channel<SessionOutputEvent?> _queue; // null: time for a keep-alive
    private readonly CancellationTokenSource _overflow = new();
    private readonly ITimer _keepAlive;
    private TurnPosition? _lastTurn;
    private int _overflowed;

    /// <param name="sessionId">The session.</param>
    /// <param name="mapper">The events' JSON.</param>
    /// <param name="options">Buffer and keep-alive.</param>
    /// <param name="clock">Time (keep-alives, the final write's deadline).</param>
    /// <param name="resumeAfter">The client has every turn up to this one: older turns are not written again.</param>
    public SessionEventConnection(string sessionId, SessionEventMapper mapper, SessionEventOptions options, TimeProvider clock, TurnPosition? resumeAfter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        _sessionId = sessionId;
        _mapper = mapper;
        _options = options;
        _clock = clock;
        _lastTurn = resumeAfter;
        _queue = Channel.CreateBounded<SessionOutputEvent?>(new BoundedChannelOptions(options.BufferEvents) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var period = TimeSpan.FromSeconds(options.KeepAliveSeconds);
        _keepAlive = clock.CreateTimer(_ => _queue.Writer.TryWrite(null), null, period, period); // skipped when the queue is full: it is not idle then
    }

    /// <summary>True once the client fell too far behind.</summary>
    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    /// <summary>Takes an event of the session without waiting: queued, or (queue full) the connection is dropped.</summary>
    public Task OfferAsync(SessionOutputEvent item)
    {
        if (item is AnswerAudio or AgentActionRequested || Overflowed)
        {
            return Task.CompletedTask;
        }

        if (!_queue.Writer.TryWrite(item) && Interlocked.Exchange(ref _overflowed, 1) == 0)
        {
            _queue.Writer.TryComplete();
            _ = _overflow.CancelAsync(); // the pending write to the stalled client ends on the thread pool, not on the caller's thread
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Writes the stream to <paramref name="body"/>: the <paramref name="replay"/> (committed turns, oldest first), then
    /// the live events, until the client goes away (<paramref name="aborted"/>) or falls behind. Returns false when the
    /// connection should be aborted (the final <c>error</c> event could not be written in time).
    /// </summary>
    public async Task<bool> RunAsync(Stream body, IAsyncEnumerable<ArchivedTurn>? replay, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _overflow.Token);
        var token = linked.Token;
        try
        {
            await body.WriteAsync(Connected, token);
            await body.FlushAsync(token);
            if (replay is not null)
            {
                await foreach (var turn in replay.WithCancellation(token))
                {
                    await WriteTurnAsync(body, turn, token);
                }

                await body.FlushAsync(token);
            }

            while (await _queue.Reader.WaitToReadAsync(token))
            {
                while (!Overflowed && _queue.Reader.TryRead(out var item))
                {
                    await WriteAsync(body, item, token);
                }

                if (Overflowed)
                {
                    break;
                }

                await body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the client went away, or fell behind (below)
        }
        catch (IOException) when (aborted.IsCancellationRequested || Overflowed)
        {
        }

        return aborted.IsCancellationRequested || !Overflowed || await WriteOverflowAsync(body, aborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _keepAlive.DisposeAsync();
        _overflow.Dispose();
    }

    private async Task WriteAsync(Stream body, SessionOutputEvent? item, CancellationToken token)
    {
        if (item is null)
        {
            await body.WriteAsync(KeepAlive, token);
            return;
        }

        if (item is TurnRecorded recorded)
        {
            await WriteTurnAsync(body, ArchivedTurn.FromConversationTurn(_sessionId, recorded.GuildId, recorded.Turn), token);
            return;
        }

        foreach (var message in _mapper.Map(_sessionId, item))
        {
            await WriteMessageAsync(body, message, token);
        }
    }

    /// <summary>Writes a committed turn unless the client has it already (it is not after the last turn written).</summary>
    private async Task WriteTurnAsync(Stream body, ArchivedTurn turn, CancellationToken token)
    {
        var position = TurnPosition.Of(turn);
        if (_lastTurn is { } last && !position.IsAfter(last))
        {
            return;
        }

        _lastTurn = position;
        await WriteMessageAsync(body, _mapper.Turn(turn), token);
    }

    private async Task<bool> WriteOverflowAsync(Stream body, CancellationToken aborted)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(_options.FinalWriteSeconds), _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, deadline.Token);
        try
        {
            var error = _mapper.Error(OverflowCode, $"This client fell more than {_options.BufferEvents} events behind the session; reconnect with Last-Event-ID to resume.");
            await WriteMessageAsync(body, error, linked.Token);
            await body.FlushAsync(linked.Token);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task WriteMessageAsync(Stream body, SessionEventMessage message, CancellationToken token) =>
        await body.WriteAsync(Encoding.UTF8.GetBytes(message.ToServerSentEvent()), token);
}
