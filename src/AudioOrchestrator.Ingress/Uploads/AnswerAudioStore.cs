using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Uploads;

/// <summary>
/// Keeps answer audio downloadable for a while, bounded in bytes. Served by the process that handled the
/// upload (a load balancer should keep a client on one node, or the client fetches it right away).
/// </summary>
public sealed class AnswerAudioStore : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly TimeSpan _retention;

    public AnswerAudioStore(IOptions<IngressOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _retention = options.Value.AnswerAudioRetention;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.AnswerAudioCacheBytes, Clock = new SystemClockAdapter(clock) });
    }

    public void Add(string sessionId, string turnId, byte[] wav)
    {
        ArgumentNullException.ThrowIfNull(wav);
        _cache.Set(Key(sessionId, turnId), wav, new MemoryCacheEntryOptions { Size = wav.Length, AbsoluteExpirationRelativeToNow = _retention });
    }

    public byte[]? Find(string sessionId, string turnId) =>
        _cache.TryGetValue(Key(sessionId, turnId), out byte[]? wav) ? wav : null;

    public void Dispose() => _cache.Dispose();

    /// <summary>The download address of a turn's answer audio, on the host the request came to.</summary>
    public static string Url(HttpRequest request, string sessionId, string turnId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/sessions/{Uri.EscapeDataString(sessionId)}/turns/{Uri.EscapeDataString(turnId)}/audio";
    }

    private static string Key(string sessionId, string turnId) => string.Concat(sessionId, "/", turnId);

#pragma warning disable CS0618 // MemoryCache still takes the ISystemClock abstraction for its clock.
    private sealed class SystemClockAdapter(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
#pragma warning restore CS0618
}
