using System.ComponentModel;
using System.Globalization;
using System.Text;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Agents;
using AudioOrchestrator.Grains.Routing;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>A tool offered to the model and whether calling it changes something outside the answer.</summary>
public sealed record OfferedTool(AIFunction Function, bool HasSideEffects);

/// <summary>
/// The tools every language-model answer may call: the time, the conversation's summary, remembering and forgetting
/// a fact in the session's context (queued as actions, applied when the turn is committed), and every other agent
/// (its answer is the tool's result, its actions are queued like the answer's own).
/// </summary>
public sealed class BuiltInTools(TimeProvider clock, AgentCatalog catalog, IAgentInvoker agents)
{
    /// <summary>Most facts a session keeps.</summary>
    public const int MaxFacts = 50;

    public IEnumerable<OfferedTool> Create(ToolContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        yield return new(AIFunctionFactory.Create(CurrentTime, "get_current_time", "The current date and time (UTC)."), false);
        yield return new(AIFunctionFactory.Create(() => Summary(context.Request), "get_conversation_summary", "What was said earlier in this conversation: its running summary and the latest exchanges."), false);
        yield return new(AIFunctionFactory.Create(
            ([Description("A short name for the fact, e.g. \"alice's favourite colour\".")] string name, [Description("The fact.")] string value) => Remember(context, name, value),
            "remember_fact",
            "Remember a fact for the rest of this conversation (it is kept once this answer is complete)."), false);
        yield return new(AIFunctionFactory.Create(
            ([Description("The name the fact was remembered under.")] string name) => Forget(context, name),
            "forget_fact",
            "Forget a fact remembered earlier in this conversation."), false);
        foreach (var agent in catalog.Agents.Where(a => !a.IsFallback && a.Name != ConversationAgent.Name))
        {
            yield return new(AIFunctionFactory.Create(
                ([Description("What to ask, in the user's words.")] string request, CancellationToken cancellationToken) => AskAsync(context, agent.Name, request, cancellationToken),
                "agent_" + agent.Name,
                $"Hand a request to the {agent.Name} agent: {agent.Description}"), false);
        }
    }

    /// <summary>The fact key of <paramref name="name"/>: <c>fact:</c> and its lowercase words.</summary>
    public static string FactKey(string name) =>
        SessionContextKeys.FactPrefix + string.Join(' ', TextNormalizer.Words(name ?? "")).Truncate(60);

    private string CurrentTime() =>
        clock.GetUtcNow().ToString("dddd d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Summary(AgentRequest request)
    {
        var builder = new StringBuilder();
        if (request.Context.TryGetValue(SessionContextKeys.Summary, out var summary))
        {
            builder.Append("Earlier: ").AppendLine(summary);
        }

        var exchanges = SummarizationAgent.Exchanges(request.Messages.SkipLast(1).ToArray());
        foreach (var exchange in exchanges.TakeLast(10))
        {
            builder.Append(exchange.Speaker).Append(": ").AppendLine(exchange.Said);
            builder.Append("assistant: ").AppendLine(exchange.Answer);
        }

        return builder.Length == 0 ? "Nothing has been said yet." : builder.ToString();
    }

    private static string Remember(ToolContext context, string name, string value)
    {
        var key = FactKey(name);
        if (key.Length == SessionContextKeys.FactPrefix.Length || string.IsNullOrWhiteSpace(value))
        {
            return "Nothing to remember: a fact needs a name and a value.";
        }

        context.Defer(new AgentAction(AgentAction.RememberFact, new Dictionary<string, string> { ["name"] = key, ["value"] = value.Truncate(300) }));
        return $"Noted: \"{key[SessionContextKeys.FactPrefix.Length..]}\" will be remembered once this answer is complete.";
    }

    private static string Forget(ToolContext context, string name)
    {
        var key = FactKey(name);
        if (!context.Request.Context.ContainsKey(key))
        {
            return $"There is no fact named \"{key[SessionContextKeys.FactPrefix.Length..]}\".";
        }

        context.Defer(new AgentAction(AgentAction.ForgetFact, new Dictionary<string, string> { ["name"] = key }));
        return $"\"{key[SessionContextKeys.FactPrefix.Length..]}\" will be forgotten once this answer is complete.";
    }

    private async Task<string> AskAsync(ToolContext context, string agent, string request, CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        await foreach (var update in agents.DelegateAsync(context.Request, agent, request ?? "", cancellationToken))
        {
            answer.Append(update.Text);
            if (update.Action is { } action)
            {
                context.Defer(action);
            }
        }

        return answer.ToString();
    }
}

internal static class StringExtensions
{
    public static string Truncate(this string text, int length) => text.Length <= length ? text : text[..length];
}
