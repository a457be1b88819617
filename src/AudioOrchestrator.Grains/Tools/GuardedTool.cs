using System.Diagnostics;
using System.Text.Json;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>
/// Every tool the model calls goes through this: not run once the answer is cancelled (interrupted, discarded); a tool
/// with side effects in a preemptive answer waits until the turn is committed; a bounded time per call; the result
/// cut to <see cref="ToolOptions.MaxResultCharacters"/>, defused of injection markers and delimited as data
/// (<see cref="PromptInjectionGuard"/>). Failures become words for the model and the turn record, never a crash.
/// </summary>
public sealed class GuardedTool(AIFunction inner, ToolContext context, TimeSpan timeout, int maxResultCharacters, bool hasSideEffects, TimeProvider clock)
    : DelegatingAIFunction(inner)
{
    /// <summary>True when calling the tool changes something outside the answer.</summary>
    public bool HasSideEffects { get; } = hasSideEffects;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var callId = FunctionInvokingChatClient.CurrentContext?.CallContent.CallId;
        cancellationToken.ThrowIfCancellationRequested(); // an interrupted or discarded answer calls nothing more
        if (HasSideEffects && context.Request.Preemptive && !await context.WaitForCommitAsync(cancellationToken))
        {
            context.Failed(callId, "not run: the answer was discarded before the turn was committed");
            throw new OperationCanceledException("The answer was discarded.");
        }

        using var activity = TelemetryNames.ActivitySource.StartActivity("tool.call");
        activity?.SetTag("tool.name", Name);
        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        object? result;
        try
        {
            result = await base.InvokeCoreAsync(arguments, linked.Token).AsTask().WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = $"the tool did not answer within {timeout.TotalSeconds:0.###} s";
            context.Failed(callId, error);
            activity?.SetStatus(ActivityStatusCode.Error, error);
            return $"Error: {error}.";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var error = ex.Message.Length > 300 ? ex.Message[..300] + "…" : ex.Message;
            context.Failed(callId, error);
            activity?.SetStatus(ActivityStatusCode.Error, error);
            return $"Error: the tool failed: {PromptInjectionGuard.Neutralize(error)}";
        }

        var (text, isError) = ToText(result);
        if (isError)
        {
            var error = text.Length > 300 ? text[..300] + "…" : text;
            context.Failed(callId, error);
            activity?.SetStatus(ActivityStatusCode.Error, error);
        }

        if (text.Length > maxResultCharacters)
        {
            text = text[..maxResultCharacters] + $"\n[cut: the result had {text.Length} characters, only the first {maxResultCharacters} are shown]";
        }

        activity?.SetTag("tool.result_characters", text.Length);
        return PromptInjectionGuard.WrapToolOutput(Name, isError ? "Error: " + text : text);
    }

    /// <summary>
    /// A result as text: strings and text contents as they are, an MCP <c>CallToolResult</c> (JSON) by its text blocks
    /// (with its <c>isError</c>), anything else as JSON.
    /// </summary>
    internal static (string Text, bool IsError) ToText(object? result)
    {
        switch (result)
        {
            case null:
                return ("", false);
            case string text:
                return (text, false);
            case TextContent content:
                return (content.Text, false);
            case IEnumerable<AIContent> contents:
                return (string.Join("\n", contents.Select(c => c is TextContent t ? t.Text : c.ToString())), false);
            case JsonElement { ValueKind: JsonValueKind.Object } json when json.TryGetProperty("content", out var blocks) && blocks.ValueKind == JsonValueKind.Array:
                var isError = json.TryGetProperty("isError", out var error) && error.ValueKind == JsonValueKind.True;
                var texts = blocks.EnumerateArray()
                    .Where(b => b.TryGetProperty("type", out var type) && type.GetString() == "text")
                    .Select(b => b.GetProperty("text").GetString());
                var joined = string.Join("\n", texts);
                if (json.TryGetProperty("structuredContent", out var structured) && structured.ValueKind != JsonValueKind.Null)
                {
                    joined = joined.Length == 0 ? structured.ToString() : joined + "\n" + structured;
                }

                return (joined, isError);
            case JsonElement json:
                return (json.ToString(), false);
            default:
                return (JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions), false);
        }
    }
}
