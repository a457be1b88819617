using System.Buffers.Binary;
using System.Security.Cryptography;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Group;

namespace AudioOrchestrator.Dave.Frames;

/// <summary>
/// A sender's media key ratchet for one epoch (protocol.md, "Sender Key Derivation"): the base secret
/// is <c>MLS-Exporter("Discord Secure Frames v0", LE64(sender user id), 16)</c>; generation g's key is
/// <c>ExpandWithLabel(secret_g, "key", uint32(g), 16)</c> and <c>secret_{g+1} =
/// ExpandWithLabel(secret_g, "secret", uint32(g), Nh)</c> (the RFC 9420 hash ratchet). Keys of
/// generations passed over are cached until erased; an erased generation can never be derived again.
/// </summary>
public sealed class SenderKeyRatchet : IDisposable
{
    /// <summary>The exporter label of DAVE protocol version 1.</summary>
    public const string ExporterLabel = "Discord Secure Frames v0";

    /// <summary>Media key length (AES-128).</summary>
    public const int KeyLength = 16;

    private readonly CipherSuite _suite;
    private readonly Dictionary<uint, CachedKey> _keys = [];
    private byte[] _secret;
    private uint _nextGeneration;
    private bool _disposed;

    public SenderKeyRatchet(CipherSuite suite, byte[] baseSecret)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(baseSecret);
        _suite = suite;
        _secret = baseSecret.ToArray();
    }

    /// <summary>Creates the ratchet of <paramref name="senderUserId"/> from the group's current epoch.</summary>
    public static SenderKeyRatchet FromGroup(MlsGroup group, ulong senderUserId)
    {
        ArgumentNullException.ThrowIfNull(group);
        Span<byte> context = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(context, senderUserId);
        return new SenderKeyRatchet(group.Suite, group.Export(ExporterLabel, context, KeyLength));
    }

    /// <summary>Number of cached generation keys.</summary>
    public int CachedCount => _keys.Count;

    /// <summary>Raw key of a generation (tests and diagnostics); null when erased.</summary>
    public byte[]? KeyOf(uint generation) => Get(generation, uint.MaxValue) is null ? null : _keys[generation].Raw.ToArray();

    /// <summary>
    /// The cipher of <paramref name="generation"/>, deriving forward (at most <paramref name="maxForward"/>
    /// generations past the newest derived one); null when the generation was erased or is too far ahead.
    /// </summary>
    internal AesGcm? Get(uint generation, uint maxForward)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_keys.TryGetValue(generation, out var cached))
        {
            return cached.Cipher;
        }

        if (generation < _nextGeneration || generation - _nextGeneration > maxForward)
        {
            return null;
        }

        while (_nextGeneration <= generation)
        {
            var key = RatchetKdf.DeriveTreeSecret(_secret, "key", _nextGeneration, KeyLength);
            var next = RatchetKdf.DeriveTreeSecret(_secret, "secret", _nextGeneration, _suite.HashLength);
            CryptographicOperations.ZeroMemory(_secret);
            _secret = next;
            _keys[_nextGeneration] = new CachedKey(new AesGcm(key, 16), key, long.MaxValue);
            _nextGeneration++;
        }

        return _keys[generation].Cipher;
    }

    /// <summary>Marks every cached generation below <paramref name="generation"/> to expire at <paramref name="expiresAt"/> (UTC ticks).</summary>
    internal void ExpireBelow(uint generation, long expiresAt)
    {
        foreach (var (g, key) in _keys)
        {
            if (g < generation && key.ExpiresAt > expiresAt)
            {
                key.ExpiresAt = expiresAt;
            }
        }
    }

    /// <summary>Erases generations whose expiry has passed.</summary>
    internal void Sweep(long now)
    {
        foreach (var (g, key) in _keys)
        {
            if (key.ExpiresAt <= now)
            {
                Erase(g);
            }
        }
    }

    /// <summary>Erases one generation.</summary>
    internal void Erase(uint generation)
    {
        if (_keys.Remove(generation, out var key))
        {
            key.Cipher.Dispose();
            CryptographicOperations.ZeroMemory(key.Raw);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        foreach (var g in _keys.Keys.ToArray())
        {
            Erase(g);
        }

        CryptographicOperations.ZeroMemory(_secret);
        _disposed = true;
    }

    private sealed class CachedKey(AesGcm cipher, byte[] raw, long expiresAt)
    {
        public AesGcm Cipher { get; } = cipher;

        public byte[] Raw { get; } = raw;

        public long ExpiresAt { get; set; } = expiresAt;
    }
}
