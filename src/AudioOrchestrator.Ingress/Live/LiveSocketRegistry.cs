using AudioOrchestrator.Contracts;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The live sockets this process holds: at most <see cref="LiveVoiceOptions.MaxSocketsPerProcess"/> in all,
/// <see cref="LiveVoiceOptions.MaxSocketsPerSession"/> per session, and one per speaker of a session.
/// </summary>
public sealed class LiveSocketRegistry(IOptions<LiveVoiceOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _sessions = new(StringComparer.Ordinal);
    private int _open;

    /// <summary>Sockets open now.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>Takes a place for <paramref name="speaker"/>; null with the reason to close when there is none.</summary>
    public LiveClose? TryAdd(SpeakerRef speaker, out IDisposable? lease)
    {
        ArgumentNullException.ThrowIfNull(speaker);
        var limits = options.Value;
        lease = null;
        lock (_gate)
        {
            _sessions.TryGetValue(speaker.SessionId, out var speakers);
            if (speakers?.Contains(speaker.SpeakerId) == true)
            {
                return LiveClose.Policy($"speaker '{speaker.SpeakerId}' is already connected to this session");
            }

            if (_open >= limits.MaxSocketsPerProcess)
            {
                return LiveClose.Full($"this server holds {limits.MaxSocketsPerProcess} live sockets already; try again later");
            }

            if (speakers is not null && speakers.Count >= limits.MaxSocketsPerSession)
            {
                return LiveClose.Full($"this session has {limits.MaxSocketsPerSession} live sockets already; try again later");
            }

            if (speakers is null)
            {
                speakers = new HashSet<string>(StringComparer.Ordinal);
                _sessions[speaker.SessionId] = speakers;
            }

            speakers.Add(speaker.SpeakerId);
            _open++;
        }

        lease = new Lease(this, speaker);
        return null;
    }

    private void Remove(SpeakerRef speaker)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(speaker.SessionId, out var speakers) && speakers.Remove(speaker.SpeakerId))
            {
                _open--;
                if (speakers.Count == 0)
                {
                    _sessions.Remove(speaker.SessionId);
                }
            }
        }
    }

    private sealed class Lease(LiveSocketRegistry registry, SpeakerRef speaker) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                registry.Remove(speaker);
            }
        }
    }
}
