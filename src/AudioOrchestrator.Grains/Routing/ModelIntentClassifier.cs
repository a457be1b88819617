using System.Text;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Grains.Routing;

/// <summary>
/// Classifies free speech with the language model (the <c>intent</c> agent's model, <c>Llm:Agents:intent</c>): the
/// model is told the classes with their descriptions and answers a class name. A reply that names no class, a
/// failure or <c>Intent:Timeout</c> leaves the decision to the keyword classifier.
/// </summary>
public sealed partial class ModelIntentClassifier : IIntentClassifier
{
    /// <summary>The name under which the classifier's model is configured (<c>Llm:Agents:intent</c>).</summary>
    public const string ModelName = "intent";

    private readonly IChatClient _chat;
    private readonly IntentClasses _classes;
    private readonly KeywordIntentClassifier _keywords;
    private readonly IntentOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly string _instructions;

    public ModelIntentClassifier(IChatClient chat, IntentClasses classes, KeywordIntentClassifier keywords, IOptions<IntentOptions> options, TimeProvider clock, ILogger<ModelIntentClassifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _chat = chat ?? throw new ArgumentNullException(nameof(chat));
        _classes = classes ?? throw new ArgumentNullException(nameof(classes));
        _keywords = keywords ?? throw new ArgumentNullException(nameof(keywords));
        _options = options.Value;
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _instructions = Instructions(classes);
    }

    public bool UsesModel => true;

    public async Task<IntentResult> ClassifyAsync(string text, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var timeout = new CancellationTokenSource(_options.Timeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string reply;
        try
        {
            var response = await _chat.GetResponseAsync(
                [new ChatMessage(ChatRole.System, _instructions), new ChatMessage(ChatRole.User, text)],
                new ChatOptions { MaxOutputTokens = 16, Temperature = 0 },
                linked.Token);
            reply = response.Text;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Fallback(text, $"the model did not classify within {_options.Timeout.TotalSeconds:0.###} s");
        }
        catch (LanguageModelException ex)
        {
            return Fallback(text, ex.Message);
        }

        var intent = Parse(reply);
        return intent is null
            ? Fallback(text, $"the model answered \"{Shorten(reply)}\", which names no class")
            : new IntentResult(intent, $"model: {intent.Name}");
    }

    /// <summary>The class a reply names: the whole reply, else the first class name among its words.</summary>
    internal IntentClass? Parse(string reply)
    {
        var words = TextNormalizer.Words(reply ?? "");
        if (words.Count == 0)
        {
            return null;
        }

        return _classes.Find(string.Join(' ', words))
            ?? words.Select(w => _classes.Find(w)).FirstOrDefault(c => c is not null);
    }

    private IntentResult Fallback(string text, string why)
    {
        LogClassifierFallback(_logger, why);
        var keyword = _keywords.Classify(text);
        return keyword with { Detail = $"{keyword.Detail} ({why})" };
    }

    private static string Instructions(IntentClasses classes)
    {
        var builder = new StringBuilder()
            .AppendLine("You sort requests to a voice assistant into classes. The classes:");
        foreach (var intent in classes.All)
        {
            builder.Append("- ").Append(intent.Name).Append(": ").AppendLine(intent.Description);
        }

        return builder
            .Append("Reply with the name of the one class that fits the user's request best, and nothing else. ")
            .Append("Use \"").Append(IntentClasses.General).Append("\" when no other class fits.")
            .ToString();
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Intent classification by the model failed: {Why}; the keyword classifier decides")]
    private static partial void LogClassifierFallback(ILogger logger, string why);
}
