using System.Threading.Channels;

namespace AudioOrchestrator.Testing;

/// <summary>A paced output for tests: takes one frame every 20 ms, as a voice connection's sender does.</summary>
public static class PacedOutput
{
    /// <summary>Reads <paramref name="frames"/> at 20 ms a frame until it completes or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task PlayAsync<T>(ChannelReader<T> frames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        try
        {
            while (await frames.WaitToReadAsync(cancellationToken))
            {
                while (frames.TryRead(out _))
                {
                    await Task.Delay(20, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
