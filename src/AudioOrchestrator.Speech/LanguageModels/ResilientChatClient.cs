using System.ClientModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Speech;

/// <summary>Timeouts and retries of <see cref="ResilientChatClient"/>.</summary>
/// <param name="FirstTokenTimeout">Longest wait for the first chunk with content.</param>
/// <param name="ChunkTimeout">Longest silence between later chunks.</param>
/// <param name="ResponseTimeout">Longest wait for a response requested in one piece.</param>
/// <param name="MaxRetries">Retries of a request that failed before its first chunk.</param>
/// <param name="MaxRetryDelay">Longest wait before a retry; a longer <c>retry-after</c> fails at once.</param>
public sealed record ChatResilience(TimeSpan FirstTokenTimeout, TimeSpan ChunkTimeout, TimeSpan ResponseTimeout, int MaxRetries, TimeSpan MaxRetryDelay)
{
    public static ChatResilience From(LlmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.FirstTokenTimeout, options.ChunkTimeout, options.ResponseTimeout, options.MaxRetries, options.MaxRetryDelay);
    }
}

/// <summary>
/// Makes a chat model dependable enough to speak from: a time-to-first-token timeout and a stall timeout between
/// chunks, and retries of failures that happen before the first chunk with content reached the caller (429 honouring
/// <c>retry-after</c>, 5xx, timeouts, dropped connections). Once content has been passed on, a failure is final: the
/// listener has heard part of the answer. Every final failure is a <see cref="LanguageModelException"/> whose message
/// says what happened. Microsoft.Extensions.AI has no retry middleware, hence this one.
/// </summary>
public sealed partial class ResilientChatClient : DelegatingChatClient
{
    private readonly ChatResilience _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ResilientChatClient(IChatClient inner, ChatResilience settings, TimeProvider time, ILogger<ResilientChatClient> logger)
        : base(inner)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        for (var attempt = 0; ; attempt++)
        {
            using var timer = new CancellationTokenSource(_settings.ResponseTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            Failure failure;
            try
            {
                return await base.GetResponseAsync(history, options, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsFailure(ex))
            {
                failure = Classify(ex, timer.IsCancellationRequested ? $"did not answer within {Seconds(_settings.ResponseTimeout)}" : null);
            }

            await BeforeRetryAsync(failure, attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        for (var attempt = 0; ; attempt++)
        {
            using var timer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            IAsyncEnumerator<ChatResponseUpdate>? updates = null;
            var held = new List<ChatResponseUpdate>();
            var started = false;
            Failure? failure = null;
            try
            {
                while (true)
                {
                    timer.CancelAfter(started ? _settings.ChunkTimeout : _settings.FirstTokenTimeout);
                    var (moved, error) = await TryMoveNextAsync(() => updates ??= base.GetStreamingResponseAsync(history, options, linked.Token).GetAsyncEnumerator(linked.Token)).ConfigureAwait(false);
                    if (error is not null)
                    {
                        if (cancellationToken.IsCancellationRequested || !IsFailure(error))
                        {
                            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                        }

                        var timedOut = timer.IsCancellationRequested
                            ? started
                                ? $"stalled: no chunk for {Seconds(_settings.ChunkTimeout)}"
                                : $"did not start answering within {Seconds(_settings.FirstTokenTimeout)}"
                            : null;
                        failure = Classify(error, timedOut);
                        break;
                    }

                    if (!moved)
                    {
                        foreach (var update in held)
                        {
                            yield return update;
                        }

                        yield break;
                    }

                    var current = updates!.Current;
                    if (!started && !HasContent(current))
                    {
                        held.Add(current); // role-only or empty chunks do not count as the answer having started
                        continue;
                    }

                    if (!started)
                    {
                        started = true;
                        foreach (var update in held)
                        {
                            yield return update;
                        }

                        held.Clear();
                    }

                    timer.CancelAfter(Timeout.InfiniteTimeSpan);
                    yield return current;
                }
            }
            finally
            {
                if (updates is not null)
                {
                    await updates.DisposeAsync().ConfigureAwait(false);
                }
            }

            var failed = failure!;
            if (started)
            {
                throw new LanguageModelException($"The language model {failed.Describe()} after it had started answering.", failed.Exception);
            }

            await BeforeRetryAsync(failed, attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task BeforeRetryAsync(Failure failure, int attempt, CancellationToken cancellationToken)
    {
        var attempts = attempt + 1;
        if (!failure.Transient || attempt >= _settings.MaxRetries)
        {
            throw new LanguageModelException(
                $"The language model {failure.Describe()}" + (attempts > 1 ? $" ({attempts} attempts)." : "."), failure.Exception);
        }

        var delay = failure.RetryAfter ?? TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, attempt), _settings.MaxRetryDelay.TotalMilliseconds));
        if (delay > _settings.MaxRetryDelay)
        {
            throw new LanguageModelException(
                $"The language model {failure.Describe()} and asked to retry after {Seconds(delay)}, longer than Llm:MaxRetryDelay.", failure.Exception);
        }

        LogRetry(_logger, attempts, failure.Describe(), delay.TotalMilliseconds);
        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves to the next update, starting the request on the first call; failures are returned, not thrown.</summary>
    private static async Task<(bool Moved, Exception? Error)> TryMoveNextAsync(Func<IAsyncEnumerator<ChatResponseUpdate>> updates)
    {
        try
        {
            return (await updates().MoveNextAsync().ConfigureAwait(false), null);
        }
#pragma warning disable CA1031 // Classified by the caller: retried, wrapped or rethrown.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (false, ex);
        }
    }

    private static bool HasContent(ChatResponseUpdate update) =>
        update.Contents.Any(c => c is not UsageContent && c is not TextContent { Text.Length: 0 });

    /// <summary>Failures of the model or the way to it (not the caller's cancellation or a bug of ours).</summary>
    private static bool IsFailure(Exception ex) =>
        ex is ClientResultException or HttpRequestException or IOException or JsonException or OperationCanceledException or TimeoutException or FormatException;

    private static Failure Classify(Exception ex, string? timedOut)
    {
        if (timedOut is not null)
        {
            return new Failure(timedOut, Transient: true, null, ex);
        }

        return ex switch
        {
            ClientResultException { Status: 429 } rate => new Failure("is rate limited (429)", true, RetryAfter(rate), ex),
            ClientResultException { Status: 408 or 500 or 502 or 503 or 504 } server => new Failure($"failed with a server error ({server.Status})", true, RetryAfter(server), ex),
            ClientResultException { Status: 401 or 403 } denied => new Failure($"refused the credentials ({denied.Status}): check Llm:ApiKey", false, null, ex),
            ClientResultException { Status: 0 } network => new Failure($"could not be reached: {network.InnerException?.Message ?? network.Message}", true, null, ex),
            ClientResultException other => new Failure($"rejected the request ({other.Status}): {FirstLine(other.Message)}", false, null, ex),
            HttpRequestException or IOException => new Failure($"could not be reached or dropped the connection: {FirstLine(ex.Message)}", true, null, ex),
            JsonException or FormatException => new Failure("sent an answer that is not valid JSON", false, null, ex),
            _ => new Failure($"failed: {FirstLine(ex.Message)}", false, null, ex),
        };
    }

    private static TimeSpan? RetryAfter(ClientResultException ex)
    {
        var headers = ex.GetRawResponse()?.Headers;
        if (headers is null)
        {
            return null;
        }

        if (headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (headers.TryGetValue("retry-after", out var value) && value is not null)
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private sealed record Failure(string What, bool Transient, TimeSpan? RetryAfter, Exception Exception)
    {
        public string Describe() => What;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Language model attempt {Attempt} failed: it {Reason}; retrying in {DelayMs:F0} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason, double delayMs);
}
