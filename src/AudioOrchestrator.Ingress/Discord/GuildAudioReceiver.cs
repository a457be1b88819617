using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Discord.Voice;
using AudioOrchestrator.Discord.Voice.Udp;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Ingress.Discord;

/// <summary>
/// A guild's receive sink (it outlives reconnects and moves): each user's frames go to their own
/// <see cref="SpeakerFrameQueue"/> for speaker <c>discord-{guild}/{userId}</c>. The bot's own user and SSRC are never
/// published: the assistant does not hear itself.
/// </summary>
internal sealed class GuildAudioReceiver(
    ulong guildId,
    ISpeakerAudioWriters publisher,
    DiscordTransportOptions options,
    int framesPerEvent,
    TimeProvider time,
    DiscordIngressMetrics metrics,
    ILogger logger) : IVoiceFrameSink, IAsyncDisposable
{
    private readonly ConcurrentDictionary<ulong, SpeakerFrameQueue> _speakers = new();
    private readonly string _sessionId = DiscordSessions.SessionId(guildId);
    private ulong _botUserId;
    private uint _botSsrc;
    private bool _disposed;

    /// <summary>Users heard since the receiver was created.</summary>
    public int Speakers => _speakers.Count;

    /// <summary>Sets the bot's own identity for a new connection.</summary>
    public void SetBot(ulong userId, uint ssrc)
    {
        Volatile.Write(ref _botUserId, userId);
        Volatile.Write(ref _botSsrc, ssrc);
    }

    public void OnFrame(ulong userId, RtpHeader header, ReadOnlySpan<byte> opus)
    {
        if (_disposed)
        {
            return;
        }

        if (userId == Volatile.Read(ref _botUserId) || header.Ssrc == Volatile.Read(ref _botSsrc))
        {
            metrics.OwnFrame();
            return;
        }

        metrics.FramesReceived.Add(1);
        if (!_speakers.TryGetValue(userId, out var queue))
        {
            queue = _speakers.GetOrAdd(userId, id => new SpeakerFrameQueue(
                new SpeakerRef(_sessionId, DiscordSessions.SpeakerId(id)),
                publisher,
                options.SpeakerQueueFrames,
                framesPerEvent,
                options.BatchWait,
                time,
                metrics,
                logger));
        }

        queue.Enqueue(header.Sequence, opus);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var queue in _speakers.Values)
        {
            await queue.DisposeAsync().ConfigureAwait(false);
        }

        _speakers.Clear();
    }
}
