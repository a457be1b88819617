using System.Threading.Channels;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Archive.AnswerAudio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;

namespace AudioOrchestrator.Silo.Archive;

/// <summary>
/// Appends the turns sessions commit to the <see cref="ITurnArchive"/> in the background, in order, so the archive never
/// slows a turn; a session's deletion goes through the same queue, so no turn queued before it is appended after it.
/// A failed append is logged and counted, never retried forever; the turn stays in the session's own history.
/// A spoken turn is archived with the reference of its answer audio (<see cref="AnswerAudioKey.Ref"/>); deleting a
/// session deletes its kept answer audio too (<paramref name="answerAudio"/>), after its turns.
/// </summary>
public sealed partial class TurnArchiveWriter(ITurnArchive archive, ILogger<TurnArchiveWriter> logger, IAnswerAudioStore? answerAudio = null)
    : IHostedService, ITurnArchiveSink
{
    /// <summary>Turns that may wait for the archive before new ones are refused (and logged).</summary>
    public const int Capacity = 10_000;

    private readonly Channel<ArchiveWork> _queue = Channel.CreateBounded<ArchiveWork>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private Task _writing = Task.CompletedTask;

    public void Committed(string sessionId, string? guildId, ConversationTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (!_queue.Writer.TryWrite(new ArchiveWork(sessionId, ArchivedTurn.FromConversationTurn(sessionId, guildId, turn, AnswerAudioRefOf(sessionId, turn)), null)))
        {
            LogQueueFull(logger, sessionId, turn.TurnId, Capacity);
        }
    }

    public async Task ForgetAsync(string sessionId, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new ArchiveWork(sessionId, null, done), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // Shutting down: nothing more is queued, so the delete can go straight to the archive.
            await DeleteAsync(sessionId, cancellationToken);
            return;
        }

        await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Starts the writing loop (it runs until the queue is completed by <see cref="StopAsync"/> and drained).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writing = Task.Run(WriteAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Closes the queue and waits until what it holds is written (or the host stops waiting).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _writing.WaitAsync(cancellationToken);
    }

    private async Task WriteAllAsync()
    {
        // Not cancelled by the host's stop: what is queued is written (the host's shutdown timeout bounds the wait).
        await foreach (var work in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (work.Turn is { } turn)
                {
                    await archive.AppendAsync(turn, CancellationToken.None);
                }
                else
                {
                    await DeleteAsync(work.SessionId, CancellationToken.None);
                    work.Forgotten!.TrySetResult();
                }
            }
#pragma warning disable CA1031 // The archive is best effort: one failed write must not stop the ones after it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogFailed(logger, ex, work.SessionId, work.Turn?.TurnId ?? "(delete)");
                work.Forgotten?.TrySetException(ex);
            }
        }
    }

    /// <summary>The answer-audio reference of a turn that was answered aloud (its audio may be kept); null otherwise.</summary>
    private static string? AnswerAudioRefOf(string sessionId, ConversationTurn turn) =>
        turn.Timings is { TtsMs: > 0 } && Identifiers.IsValid(sessionId) && Identifiers.IsValid(turn.TurnId)
            ? AnswerAudioKey.Ref(sessionId, turn.TurnId)
            : null;

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn archive: writing session {SessionId} turn {TurnId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string sessionId, string turnId);

    private sealed record ArchiveWork(string SessionId, ArchivedTurn? Turn, TaskCompletionSource? Forgotten);
}
