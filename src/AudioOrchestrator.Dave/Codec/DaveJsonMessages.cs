using System.Text.Json.Serialization;

namespace AudioOrchestrator.Dave.Codec;

/// <summary>The <c>d</c> payload of a JSON DAVE opcode (21, 22, 23, 24, 31).</summary>
public abstract record DaveJsonMessage
{
    /// <summary>The opcode this payload belongs to.</summary>
    [JsonIgnore]
    public abstract DaveOpcode Opcode { get; }
}

/// <summary>Opcode 21 (server): a transition to <paramref name="ProtocolVersion"/> is upcoming; id 0 means execute now.</summary>
public sealed record PrepareTransition(
    [property: JsonPropertyName("transition_id"), JsonRequired] ushort TransitionId,
    [property: JsonPropertyName("protocol_version"), JsonRequired] ushort ProtocolVersion) : DaveJsonMessage
{
    [JsonIgnore]
    public override DaveOpcode Opcode => DaveOpcode.PrepareTransition;
}

/// <summary>Opcode 22 (server): execute the announced transition.</summary>
public sealed record ExecuteTransition(
    [property: JsonPropertyName("transition_id"), JsonRequired] ushort TransitionId) : DaveJsonMessage
{
    [JsonIgnore]
    public override DaveOpcode Opcode => DaveOpcode.ExecuteTransition;
}

/// <summary>Opcode 23 (client): we are ready for the transition.</summary>
public sealed record ReadyForTransition(
    [property: JsonPropertyName("transition_id"), JsonRequired] ushort TransitionId) : DaveJsonMessage
{
    [JsonIgnore]
    public override DaveOpcode Opcode => DaveOpcode.ReadyForTransition;
}

/// <summary>Opcode 24 (server): a protocol version or group change is upcoming; epoch 1 means a new group.</summary>
public sealed record PrepareEpoch(
    [property: JsonPropertyName("epoch"), JsonRequired] ulong Epoch,
    [property: JsonPropertyName("protocol_version"), JsonRequired] ushort ProtocolVersion) : DaveJsonMessage
{
    [JsonIgnore]
    public override DaveOpcode Opcode => DaveOpcode.PrepareEpoch;
}

/// <summary>Opcode 31 (client): the commit or welcome of this transition could not be processed.</summary>
public sealed record InvalidCommitWelcome(
    [property: JsonPropertyName("transition_id"), JsonRequired] ushort TransitionId) : DaveJsonMessage
{
    [JsonIgnore]
    public override DaveOpcode Opcode => DaveOpcode.MlsInvalidCommitWelcome;
}

/// <summary>A parsed JSON voice gateway message: opcode, optional sequence number (server messages) and payload.</summary>
public sealed record DaveJsonEnvelope(DaveOpcode Opcode, int? Sequence, DaveJsonMessage Message);

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(PrepareTransition))]
[JsonSerializable(typeof(ExecuteTransition))]
[JsonSerializable(typeof(ReadyForTransition))]
[JsonSerializable(typeof(PrepareEpoch))]
[JsonSerializable(typeof(InvalidCommitWelcome))]
internal sealed partial class DaveJsonContext : JsonSerializerContext;
