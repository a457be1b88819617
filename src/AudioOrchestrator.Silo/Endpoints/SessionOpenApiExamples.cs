using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AudioOrchestrator.Silo.Endpoints;

/// <summary>
/// Examples of the sessions endpoints' successful responses in the OpenAPI document (matched by endpoint name), and the
/// transcript's second representation (<c>text/markdown</c>, a string), which endpoint metadata cannot add beside the JSON one.
/// </summary>
public sealed class SessionOpenApiExamples : IOpenApiOperationTransformer
{
    private const string Turn = """
        { "sessionId": "my-session", "guildId": null, "turnId": "01a2b3c4d5e6f708", "speakerId": "ana", "transcript": "echo good morning",
          "agent": "echo", "route": { "reason": "phrase", "detail": "echo {text}" }, "responseText": "good morning", "interrupted": false,
          "error": null, "timings": { "sttMs": 0, "agentMs": 0.6, "ttsMs": 0, "endOfUtteranceToFirstAudioMs": 0, "audioMs": 0 },
          "toolCalls": null, "answerAudioRef": null, "committedAt": "2026-12-06T09:41:07.123456+00:00",
          "speechStartedAt": "2026-12-06T09:41:07.101234+00:00", "source": "text", "answeredAhead": false }
        """;

    private static readonly Dictionary<string, Dictionary<string, Func<JsonNode>>> Examples = new(StringComparer.Ordinal)
    {
        ["ListSessions"] = new(StringComparer.Ordinal)
        {
            ["application/json"] = () => JsonNode.Parse("""
                { "items": [ { "sessionId": "my-session", "guildId": null, "turnCount": 12,
                  "firstActivityAt": "2026-12-06T09:30:00+00:00", "lastActivityAt": "2026-12-06T09:41:07.123456+00:00" } ],
                  "nextCursor": null }
                """)!,
        },
        ["ListSessionTurns"] = new(StringComparer.Ordinal)
        {
            ["application/json"] = () => JsonNode.Parse($$"""{ "items": [ {{Turn}} ], "nextCursor": null }""")!,
        },
        ["GetSession"] = new(StringComparer.Ordinal)
        {
            ["application/json"] = () => JsonNode.Parse("""
                { "sessionId": "my-session", "createdAt": "2026-12-06T09:30:00+00:00", "updatedAt": "2026-12-06T09:41:07+00:00",
                  "context": { "lastAgent": "echo", "lastSpeaker": "ana", "turnCount": "12" },
                  "history": [ { "turnId": "01a2b3c4d5e6f708", "speakerId": "ana", "transcript": "echo good morning", "agent": "echo",
                    "responseText": "good morning", "speechStartedAt": "2026-12-06T09:41:07.101234+00:00",
                    "answeredAt": "2026-12-06T09:41:07.123456+00:00", "interrupted": false, "route": { "reason": "phrase", "detail": "echo {text}" },
                    "source": "text" } ] }
                """)!,
        },
        ["StreamSessionEvents"] = new(StringComparer.Ordinal)
        {
            ["text/event-stream"] = () => JsonValue.Create("""
                : connected

                event: answerStarted
                data: {"turnId":"01a2b3c4d5e6f708","speakerId":"ana","transcript":"echo good morning","agent":"echo","route":{"reason":"phrase","detail":"echo {text}"},"correlationId":null}

                event: answerDelta
                data: {"turnId":"01a2b3c4d5e6f708","text":"good morning"}

                event: answerCompleted
                data: {"turnId":"01a2b3c4d5e6f708","responseText":"good morning","error":null,"timings":{"sttMs":0,"agentMs":0.6,"ttsMs":0,"endOfUtteranceToFirstAudioMs":0,"audioMs":0},"correlationId":null}

                event: turn
                id: 1796526067123456.01a2b3c4d5e6f708
                data: {"sessionId":"my-session","turnId":"01a2b3c4d5e6f708", ...}

                """),
        },
        ["GetSessionTranscript"] = new(StringComparer.Ordinal)
        {
            ["application/json"] = () => JsonNode.Parse($$"""{ "sessionId": "my-session", "guildId": null, "turns": [ {{Turn}} ] }""")!,
            ["text/markdown"] = () => JsonValue.Create("""
                # Session `my-session`

                ## 2026-12-06 09:41:07 UTC · `ana` (text)

                > echo good morning

                **echo** (phrase: echo {text}): good morning

                """),
        },
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
        if (name is null || !Examples.TryGetValue(name, out var examples) || operation.Responses?.GetValueOrDefault("200")?.Content is not { } content)
        {
            return Task.CompletedTask;
        }

        if (name == "GetSessionTranscript" && !content.ContainsKey("text/markdown"))
        {
            content["text/markdown"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }

        foreach (var (mediaType, example) in examples)
        {
            if (content.TryGetValue(mediaType, out var media))
            {
                media.Example = example();
            }
        }

        return Task.CompletedTask;
    }
}
