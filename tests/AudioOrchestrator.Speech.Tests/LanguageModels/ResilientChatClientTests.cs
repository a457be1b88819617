using System.Runtime.CompilerServices;
using System.Text.Json;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Speech.Tests.LanguageModels;

/// <summary>Timeouts and retries on a scripted model, on a fake clock: nothing here waits for real time.</summary>
public sealed class ResilientChatClientTests
{
    private static readonly ChatResilience Settings = new(
        FirstTokenTimeout: TimeSpan.FromSeconds(2), ChunkTimeout: TimeSpan.FromSeconds(1), ResponseTimeout: TimeSpan.FromSeconds(5),
        MaxRetries: 2, MaxRetryDelay: TimeSpan.FromSeconds(3));

    private readonly FakeTimeProvider _clock = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ResilientChatClient Client(ScriptedChatClient inner) => new(inner, Settings, _clock, NullLogger<ResilientChatClient>.Instance);

    private static async Task<string> ReadAllAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var text = "";
        await foreach (var update in updates)
        {
            text += update.Text;
        }

        return text;
    }

    /// <summary>Advances the fake clock in steps until <paramref name="task"/> ends (each step lets the client react).</summary>
    private async Task<T> DriveAsync<T>(Task<T> task, TimeSpan step, int maxSteps = 100)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.Delay(5, Ct);
            _clock.Advance(step);
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task A_transient_failure_before_the_first_chunk_is_retried_after_a_backoff()
    {
        var inner = new ScriptedChatClient(
            _ => throw new HttpRequestException("connection refused"),
            _ => Chunks("Hello", " there"));

        var reading = ReadAllAsync(Client(inner).GetStreamingResponseAsync("hi", cancellationToken: Ct));
        await TestWait.UntilAsync(() => inner.Calls == 1, "the first attempt");
        Assert.False(reading.IsCompleted);

        var text = await DriveAsync(reading, TimeSpan.FromMilliseconds(50));

        Assert.Equal("Hello there", text);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task A_model_that_never_starts_is_retried_then_fails_with_the_timeout_as_reason()
    {
        var inner = new ScriptedChatClient(Stall, Stall, Stall);

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() =>
            DriveAsync(ReadAllAsync(Client(inner).GetStreamingResponseAsync("hi", cancellationToken: Ct)), TimeSpan.FromMilliseconds(500)));

        Assert.Equal(3, inner.Calls);
        Assert.Contains("did not start answering within 2 s (3 attempts)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_only_chunk_does_not_count_as_the_answer_having_started()
    {
        var inner = new ScriptedChatClient(
            ct => Then(Chunks(""), Stall(ct)),
            _ => Chunks("Answer."));

        var text = await DriveAsync(ReadAllAsync(Client(inner).GetStreamingResponseAsync("hi", cancellationToken: Ct)), TimeSpan.FromMilliseconds(500));

        Assert.Equal("Answer.", text);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task A_failure_after_content_reached_the_caller_is_final()
    {
        var inner = new ScriptedChatClient(ct => Then(Chunks("Half an"), Throw(new IOException("connection reset"))), _ => Chunks("never asked"));
        var received = new List<string>();

        var failure = await Assert.ThrowsAsync<LanguageModelException>(async () =>
        {
            await foreach (var update in Client(inner).GetStreamingResponseAsync("hi", cancellationToken: Ct))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(["Half an"], received);
        Assert.Equal(1, inner.Calls);
        Assert.Contains("after it had started answering", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stall_between_chunks_ends_the_answer_with_a_clear_reason()
    {
        var inner = new ScriptedChatClient(ct => Then(Chunks("Start"), Stall(ct)));

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() =>
            DriveAsync(ReadAllAsync(Client(inner).GetStreamingResponseAsync("hi", cancellationToken: Ct)), TimeSpan.FromMilliseconds(250)));

        Assert.Contains("stalled: no chunk for 1 s", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_answer_is_not_retried()
    {
        var inner = new ScriptedChatClient(_ => throw new JsonException("'<' is an invalid start of a value."));

        var failure = await Assert.ThrowsAsync<LanguageModelException>(() => ReadAllAsync(Client(inner).GetStreamingResponseAsync("hi", cancellationToken: Ct)));

        Assert.Equal(1, inner.Calls);
        Assert.Contains("not valid JSON", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_a_failure_and_is_not_retried()
    {
        var inner = new ScriptedChatClient(Stall, Stall);
        using var cancel = new CancellationTokenSource();

        var reading = ReadAllAsync(Client(inner).GetStreamingResponseAsync("hi", cancellationToken: cancel.Token));
        await TestWait.UntilAsync(() => inner.Calls == 1, "the request");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task A_response_in_one_piece_has_its_own_timeout_and_retries()
    {
        var inner = new ScriptedChatClient(Stall, _ => Chunks("general"));

        var response = await DriveAsync(Client(inner).GetResponseAsync("classify", cancellationToken: Ct), TimeSpan.FromSeconds(1));

        Assert.Equal("general", response.Text);
        Assert.Equal(2, inner.Calls);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Stall([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }

#pragma warning disable CS1998 // Synchronous scripted streams.
    private static async IAsyncEnumerable<ChatResponseUpdate> Chunks(params string[] texts)
    {
        foreach (var text in texts)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, text);
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Throw(Exception exception)
    {
        throw exception;
#pragma warning disable CS0162 // An iterator needs a yield.
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    private static async IAsyncEnumerable<ChatResponseUpdate> Then(IAsyncEnumerable<ChatResponseUpdate> first, IAsyncEnumerable<ChatResponseUpdate> second)
    {
        await foreach (var update in first)
        {
            yield return update;
        }

        await foreach (var update in second)
        {
            yield return update;
        }
    }

    /// <summary>A model whose every call plays the next script.</summary>
    private sealed class ScriptedChatClient(params Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>[] scripts) : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls) - 1;
            return scripts[Math.Min(call, scripts.Length - 1)](cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
