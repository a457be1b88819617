using System.Threading.Channels;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Grains.Conversations;

/// <summary>
/// Reads an agent's answer as fast as it comes into a buffer, so the agent (and its model request) never waits for
/// speech synthesis, and so a speculative answer can run while the intent is still being classified. Disposing it
/// cancels the agent's stream (the model request is aborted).
/// </summary>
public sealed class AgentStreamPump : IAsyncDisposable
{
    private readonly Channel<AgentUpdate> _buffer = Channel.CreateUnbounded<AgentUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop;
    private readonly TimeProvider _clock;
    /// <summary>How long disposing waits for the agent to wind down; an agent that ignores cancellation finishes in the background.</summary>
    private static readonly TimeSpan WindDown = TimeSpan.FromMilliseconds(250);

    private readonly Task _pumping;
    private bool _disposed;

    /// <summary>Starts reading <paramref name="updates"/> at once; <paramref name="cancellationToken"/> stops it.</summary>
    public AgentStreamPump(string agent, IAsyncEnumerable<AgentUpdate> updates, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        Agent = agent;
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        StartedAt = clock.GetUtcNow();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _pumping = PumpAsync(updates);
    }

    /// <summary>The agent being read.</summary>
    public string Agent { get; }

    /// <summary>When the agent was asked.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>When its first text arrived; null before.</summary>
    public DateTimeOffset? FirstTextAt { get; private set; }

    /// <summary>When its answer ended (or failed); null before.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>The updates in order; completes with the agent's exception when it failed.</summary>
    public ChannelReader<AgentUpdate> Updates => _buffer.Reader;

    /// <summary>Stops the agent's answer (the stream is cancelled).</summary>
    public void Stop()
    {
        if (!_disposed)
        {
            _stop.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        if (await Task.WhenAny(_pumping, Task.Delay(WindDown, _clock)) == _pumping)
        {
            _stop.Dispose();
        }
    }

    private async Task PumpAsync(IAsyncEnumerable<AgentUpdate> updates)
    {
        try
        {
            await foreach (var update in updates.WithCancellation(_stop.Token))
            {
                if (FirstTextAt is null && update.Text is { Length: > 0 })
                {
                    FirstTextAt = _clock.GetUtcNow();
                }

                _buffer.Writer.TryWrite(update);
            }

            _buffer.Writer.TryComplete();
        }
#pragma warning disable CA1031 // The reader gets the agent's failure as the buffer's completion.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _buffer.Writer.TryComplete(ex);
        }
        finally
        {
            EndedAt = _clock.GetUtcNow();
        }
    }
}
