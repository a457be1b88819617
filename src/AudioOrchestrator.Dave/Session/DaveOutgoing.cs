using AudioOrchestrator.Dave.Codec;

namespace AudioOrchestrator.Dave.Session;

/// <summary>A message the session wants sent to the voice gateway: binary (26, 28) or JSON (23, 31).</summary>
public sealed record DaveOutgoing
{
    private DaveOutgoing(DaveBinaryMessage? binary, DaveJsonMessage? json)
    {
        Binary = binary;
        Json = json;
    }

    public DaveBinaryMessage? Binary { get; }

    public DaveJsonMessage? Json { get; }

    /// <summary>True for a binary websocket frame, false for a text (JSON) one.</summary>
    public bool IsBinary => Binary is not null;

    public DaveOpcode Opcode => Binary?.Opcode ?? Json!.Opcode;

    public static DaveOutgoing Of(DaveBinaryMessage message) => new(message ?? throw new ArgumentNullException(nameof(message)), null);

    public static DaveOutgoing Of(DaveJsonMessage message) => new(null, message ?? throw new ArgumentNullException(nameof(message)));

    /// <summary>The websocket payload: <c>[op][payload]</c> for binary, UTF-8 JSON otherwise.</summary>
    public byte[] Encode() => Binary is not null ? DaveBinaryCodec.EncodeClient(Binary) : DaveJsonCodec.Serialize(Json!);
}
