using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Grains.Guardrails;
using AudioOrchestrator.Grains.Listening;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Tools;
using AudioOrchestrator.Grains.WakeWords;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Tests.Conversations;

/// <summary>Records what a turn publishes and speaks; each sentence "plays" one frame per character.</summary>
internal sealed class RecordingSink : ITurnSink
{
    public ConcurrentQueue<SessionOutputEvent> Events { get; } = new();

    public ConcurrentQueue<SpeechRequest> Spoken { get; } = new();

    public Func<SpeechRequest, Task>? BeforeSpeaking { get; set; }

    /// <summary>Throws for the events it names (an audio-out stream that fails).</summary>
    public Func<SessionOutputEvent, Exception?>? PublishFailure { get; set; }

    public Task PublishAsync(SessionOutputEvent item)
    {
        if (PublishFailure?.Invoke(item) is { } failure)
        {
            return Task.FromException(failure);
        }

        Events.Enqueue(item);
        return Task.CompletedTask;
    }

    public async Task<SynthesisResult> SpeakAsync(SpeechRequest request)
    {
        if (BeforeSpeaking is { } before)
        {
            await before(request);
        }

        Spoken.Enqueue(request);
        return new SynthesisResult(1, 2, request.Text.Length);
    }
}

/// <summary>Agents as scripts: name to a function of the request and the agent's cancellation token.</summary>
internal sealed class ScriptedAgents : IAgentInvoker
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public Dictionary<string, Func<AgentRequest, CancellationToken, IAsyncEnumerable<AgentUpdate>>> Scripts { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Agent, AgentRequest Request)> Asked { get; } = new();

    public int Calls(string agent) => _calls.GetValueOrDefault(agent);

    public IAsyncEnumerable<AgentUpdate> InvokeAsync(string agent, AgentRequest request, CancellationToken cancellationToken)
    {
        _calls.AddOrUpdate(agent, 1, (_, n) => n + 1);
        Asked.Enqueue((agent, request));
        return Scripts[agent](request, cancellationToken);
    }

    public IAsyncEnumerable<AgentUpdate> DelegateAsync(AgentRequest caller, string agent, string text, CancellationToken cancellationToken) =>
        InvokeAsync(agent, caller with { Text = text, Depth = caller.Depth + 1 }, cancellationToken);

    /// <summary>Pieces of text, one after another.</summary>
    public static async IAsyncEnumerable<AgentUpdate> Text(IEnumerable<string> pieces, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var piece in pieces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new AgentUpdate(piece);
        }
    }

    /// <summary>Pieces, then waits for <paramref name="gate"/>, then more pieces; records when it was cancelled.</summary>
    public static async IAsyncEnumerable<AgentUpdate> Gated(
        IEnumerable<string> before, Task gate, IEnumerable<string> after, TaskCompletionSource cancelled, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var piece in before)
            {
                yield return new AgentUpdate(piece);
            }

            await gate.WaitAsync(cancellationToken);
            foreach (var piece in after)
            {
                yield return new AgentUpdate(piece);
            }
        }
        finally
        {
            if (cancellationToken.IsCancellationRequested)
            {
                cancelled.TrySetResult();
            }
        }
    }

    /// <summary>Text, then a failure.</summary>
    public static async IAsyncEnumerable<AgentUpdate> Failing(IEnumerable<string> before, Exception failure)
    {
        foreach (var piece in before)
        {
            await Task.Yield();
            yield return new AgentUpdate(piece);
        }

        throw failure;
    }
}

/// <summary>A classifier that says what it is told, optionally after a gate (as a model would take its time).</summary>
internal sealed class ScriptedClassifier(IntentClasses classes, bool usesModel) : IIntentClassifier
{
    public string? Answer { get; set; }

    public Task Gate { get; set; } = Task.CompletedTask;

    public bool UsesModel => usesModel;

    public async Task<IntentResult> ClassifyAsync(string text, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        var intent = Answer is null ? null : classes.Find(Answer);
        return new IntentResult(intent, $"scripted: {Answer ?? "none"}");
    }
}

/// <summary>Builds <see cref="TurnServices"/> around the real router with the built-in agents.</summary>
internal static class TurnTestServices
{
    public static readonly AgentCatalog Catalog = AgentCatalog.FromClasses(
        [typeof(EchoAgentGrain), typeof(TimeAgentGrain), typeof(HelpAgentGrain), typeof(ConversationAgentGrain), typeof(SummarizationAgentGrain), typeof(LeaveChannelAgentGrain)]);

    public static AgentRouter Router(ConversationOptions? options = null) => new(Catalog, Options.Create(options ?? new ConversationOptions()), new ConfiguredWakePhrases(["hey orchestrator"]));

    public static IntentClasses Classes(AgentRouter router) => new(Catalog, router, Options.Create(new IntentOptions()));

    public static TurnServices Create(
        IAgentInvoker agents, IIntentClassifier? classifier = null, ConversationOptions? options = null, GuardrailOptions? guardrails = null, ToolOptions? tools = null, TimeProvider? clock = null)
    {
        options ??= new ConversationOptions();
        var router = Router(options);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var guards = Guild(guardrails ?? new GuardrailOptions());
        return new TurnServices(
            router,
            classifier ?? new KeywordIntentClassifier(Classes(router)),
            agents,
            Options.Create(options),
            guards,
            new BlockedTopicsModeration(guards),
            Options.Create(tools ?? new ToolOptions()),
            Options.Create(new PrivacyOptions()),
            new PipelineMetrics(meters),
            clock ?? TimeProvider.System,
            NullLogger<TurnPipeline>.Instance);
    }

    /// <summary>Options the same for every session (no guild overrides).</summary>
    public static GuildOptions<T> Guild<T>(T value)
        where T : class => new(new FixedOptionsMonitor<T>(value), new GuildOverrideSet<T>(new HashSet<ulong>()));

    private sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    public static TurnRequest Request(string transcript, SpokenAnswer? spoken = null, string? correlationId = "test", IReadOnlyList<ConversationTurn>? history = null) =>
        new(
            new Utterance(
                Guid.NewGuid().ToString("N"),
                new SpeakerRef("s1", "alice"),
                transcript,
                null,
                new UtteranceTimings(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 1000, 10),
                correlationId),
            "s1",
            null,
            history ?? [],
            new Dictionary<string, string>(),
            spoken ?? new SpokenAnswer());
}
