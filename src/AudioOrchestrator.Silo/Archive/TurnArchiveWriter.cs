using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Silo.Archive;

/// <summary>
/// Applies what sessions hand over (committed turns, interruptions of recorded answers, deletions) to the
/// <see cref="ITurnArchive"/> in the background, in order, so the archive never slows a turn: an amendment is applied
/// after its turn, and no turn queued before a session's deletion is appended after it. A failed write is logged, never
/// retried forever; the turn stays in the session's own recent window. Turns waiting one behind the other are written
/// in one transaction (up to <see cref="MaxBatch"/>: one commit for all under load), and each turn's wait is measured
/// (<see cref="WriteDelayInstrument"/>). A spoken turn is archived with the reference of
/// its answer audio (<see cref="AnswerAudioKey.Ref"/>); deleting a session deletes its kept answer audio too
/// (<paramref name="answerAudio"/>), after its turns.
/// </summary>
public sealed partial class TurnArchiveWriter(
    ITurnArchive archive,
    ILogger<TurnArchiveWriter> logger,
    IAnswerAudioStore? answerAudio = null,
    IMeterFactory? meterFactory = null)
    : IHostedService, ITurnArchiveSink
{
    /// <summary>The name of the histogram of each turn's wait: handed over by its session to written in the archive (ms).</summary>
    public const string WriteDelayInstrument = "audioorchestrator.archive.write_delay";

    /// <summary>The most turns written in one transaction (those waiting one behind the other).</summary>
    public const int MaxBatch = 256;

    /// <summary>Turns that may wait for the archive before new ones are refused (and logged).</summary>
    public const int Capacity = 10_000;

    private readonly Channel<ArchiveWork> _queue = Channel.CreateBounded<ArchiveWork>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly Histogram<double>? _writeDelay = meterFactory?.Create(Grains.TelemetryNames.MeterName)
        .CreateHistogram<double>(WriteDelayInstrument, "ms", "A turn's wait from being handed over by its session to being written in the archive.");
    private Task _writing = Task.CompletedTask;

    public void Committed(string sessionId, string? guildId, ConversationTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (!_queue.Writer.TryWrite(new AppendTurn(sessionId, ArchivedTurn.FromConversationTurn(sessionId, guildId, turn), Stopwatch.GetTimestamp())))
        {
            LogQueueFull(logger, sessionId, turn.TurnId, Capacity);
        }
    }

    public void Interrupted(string sessionId, string turnId, string heardText)
    {
        ArgumentNullException.ThrowIfNull(heardText);
        if (!_queue.Writer.TryWrite(new MarkInterrupted(sessionId, turnId, heardText)))
        {
            LogQueueFull(logger, sessionId, turnId, Capacity);
        }
    }

    public async Task ForgetAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (!await WaitForQueuedAsync(new ForgetSession(sessionId), cancellationToken))
        {
            // Shutting down: nothing more is queued, so the delete can go straight to the archive.
            await DeleteAsync(sessionId, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until everything queued before this call is written (or failed): afterwards the archive holds every turn
    /// handed over so far. Returns at once when the writer has stopped (it wrote what it held).
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken) => await WaitForQueuedAsync(new Flush(string.Empty), cancellationToken);

    /// <summary>Starts the writing loop (it runs until the queue is completed by <see cref="StopAsync"/> and drained).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writing = Task.Run(WriteAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes the queue and waits until what it holds is written, or the host stops waiting: what is left then is
    /// written by the sessions' catch-up when they activate again (they hold the turns), and the process still stops
    /// cleanly.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writing.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStoppedEarly(logger, _queue.Reader.Count);
        }
    }

    /// <summary>Queues <paramref name="work"/> and waits for it; false when the queue is closed (the writer stopped).</summary>
    private async Task<bool> WaitForQueuedAsync(AwaitedWork work, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(work, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return false;
        }

        await work.Done.Task.WaitAsync(cancellationToken);
        return true;
    }

    private async Task WriteAllAsync()
    {
        // Not cancelled by the host's stop: what is queued is written (the host's shutdown timeout bounds the wait).
        var reader = _queue.Reader;
        var appends = new List<AppendTurn>(MaxBatch);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (reader.TryRead(out var work))
            {
                if (work is not AppendTurn first)
                {
                    await ApplyAsync(work);
                    continue;
                }

                // The turns waiting right behind it go in the same transaction: one commit for all under load.
                appends.Add(first);
                while (appends.Count < MaxBatch && reader.TryPeek(out var next) && next is AppendTurn && reader.TryRead(out next))
                {
                    appends.Add((AppendTurn)next);
                }

                await AppendAsync(appends);
                appends.Clear();
            }
        }
    }

    private async Task AppendAsync(List<AppendTurn> appends)
    {
        if (appends.Count == 1)
        {
            await ApplyAsync(appends[0]);
            return;
        }

        try
        {
            await archive.AppendAllAsync([.. appends.Select(a => a.Turn)], CancellationToken.None);
            RecordWritten(appends);
            return;
        }
#pragma warning disable CA1031 // The archive is best effort: one failed write must not stop the ones after it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // One bad turn fails the transaction: write them one by one, so only that one is lost.
            LogBatchFailed(logger, ex, appends.Count);
        }

        foreach (var append in appends)
        {
            await ApplyAsync(append);
        }
    }

    private async Task ApplyAsync(ArchiveWork work)
    {
        try
        {
            switch (work)
            {
                case AppendTurn append:
                    await archive.AppendAsync(append.Turn, CancellationToken.None);
                    RecordWritten([append]);
                    break;
                case MarkInterrupted amend:
                    if (!await archive.MarkInterruptedAsync(amend.SessionId, amend.TurnId, amend.HeardText, CancellationToken.None))
                    {
                        LogNotArchived(logger, amend.SessionId, amend.TurnId);
                    }

                    break;
                case ForgetSession forget:
                    await DeleteAsync(forget.SessionId, CancellationToken.None);
                    break;
            }

            (work as AwaitedWork)?.Done.TrySetResult();
        }
#pragma warning disable CA1031 // The archive is best effort: one failed write must not stop the ones after it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(logger, ex, work.SessionId, work.Describe());
            (work as AwaitedWork)?.Done.TrySetException(ex);
        }
    }

    private void RecordWritten(IEnumerable<AppendTurn> appends)
    {
        if (_writeDelay is null)
        {
            return;
        }

        foreach (var append in appends)
        {
            _writeDelay.Record(Stopwatch.GetElapsedTime(append.QueuedAt).TotalMilliseconds);
        }
    }

    private async Task DeleteAsync(string sessionId, CancellationToken cancellationToken)
    {
        await archive.DeleteSessionAsync(sessionId, cancellationToken);
        if (answerAudio is not null && Identifiers.IsValid(sessionId))
        {
            await answerAudio.DeleteSessionAsync(sessionId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn archive: session {SessionId} turn {TurnId} not archived: {Capacity} turns are already waiting")]
    private static partial void LogQueueFull(ILogger logger, string sessionId, string turnId, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn archive: the host stopped waiting with {Count} item(s) not written; the sessions' catch-up archives their turns when they activate again")]
    private static partial void LogStoppedEarly(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn archive: writing session {SessionId} ({Work}) failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string sessionId, string work);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn archive: writing {Count} turns in one transaction failed; writing them one by one")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn archive: session {SessionId} turn {TurnId} was interrupted after it was recorded, but it is not archived")]
    private static partial void LogNotArchived(ILogger logger, string sessionId, string turnId);

    private abstract record ArchiveWork(string SessionId)
    {
        public abstract string Describe();
    }

    private sealed record AppendTurn(string SessionId, ArchivedTurn Turn, long QueuedAt) : ArchiveWork(SessionId)
    {
        public override string Describe() => $"turn {Turn.TurnId}";
    }

    private sealed record MarkInterrupted(string SessionId, string TurnId, string HeardText) : ArchiveWork(SessionId)
    {
        public override string Describe() => $"interruption of turn {TurnId}";
    }

    /// <summary>Work someone waits for.</summary>
    private abstract record AwaitedWork(string SessionId) : ArchiveWork(SessionId)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record ForgetSession(string SessionId) : AwaitedWork(SessionId)
    {
        public override string Describe() => "delete";
    }

    private sealed record Flush(string SessionId) : AwaitedWork(SessionId)
    {
        public override string Describe() => "flush";
    }
}
