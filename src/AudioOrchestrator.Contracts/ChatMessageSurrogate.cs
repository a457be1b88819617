using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AudioOrchestrator.Contracts;

/// <summary>
/// How a <see cref="ChatMessage"/> crosses grain boundaries: its JSON form (the library's own serialization, with every
/// kind of content), so agents in other silos get exactly what the session built.
/// </summary>
[GenerateSerializer]
public struct ChatMessageSurrogate
{
    [Id(0)]
    public string Json;
}

/// <summary>Converts <see cref="ChatMessage"/> to and from <see cref="ChatMessageSurrogate"/> for Orleans.</summary>
[RegisterConverter]
public sealed class ChatMessageSurrogateConverter : IConverter<ChatMessage, ChatMessageSurrogate>
{
    public ChatMessage ConvertFromSurrogate(in ChatMessageSurrogate surrogate) =>
        JsonSerializer.Deserialize<ChatMessage>(surrogate.Json, AIJsonUtilities.DefaultOptions)
        ?? throw new JsonException("A chat message serialized as null.");

    public ChatMessageSurrogate ConvertToSurrogate(in ChatMessage value) =>
        new() { Json = JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions) };
}
