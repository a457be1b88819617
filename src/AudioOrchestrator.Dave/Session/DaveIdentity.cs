using System.Buffers.Binary;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Dave.Session;

/// <summary>DAVE identities: basic credentials whose identity is the big-endian 64-bit user id.</summary>
public static class DaveIdentity
{
    /// <summary>The big-endian 8 bytes of a snowflake (user id as credential, channel id as group id).</summary>
    public static byte[] ToBytes(ulong snowflake)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, snowflake);
        return bytes;
    }

    /// <summary>The basic credential of <paramref name="userId"/>.</summary>
    public static Credential Credential(ulong userId) => Mls.Messages.Credential.Basic(ToBytes(userId));

    /// <summary>The user id of a credential; null when it is not a basic credential of 8 bytes.</summary>
    public static ulong? UserIdOf(Credential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return credential.Type == CredentialType.Basic && credential.Identity.Length == 8
            ? BinaryPrimitives.ReadUInt64BigEndian(credential.Identity)
            : null;
    }
}
