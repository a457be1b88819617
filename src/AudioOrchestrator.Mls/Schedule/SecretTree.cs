using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Schedule;

/// <summary>Which of a leaf's two hash ratchets (RFC 9420 §9.1).</summary>
public enum RatchetKind
{
    Handshake,
    Application,
}

/// <summary>An AEAD key and nonce of one ratchet generation.</summary>
public sealed record RatchetKey(uint Generation, byte[] Key, byte[] Nonce);

/// <summary>
/// The secret tree (RFC 9420 §9): per-leaf handshake and application hash ratchets derived
/// from the epoch's encryption secret.
/// </summary>
public sealed class SecretTree
{
    private readonly CipherSuite _suite;
    private readonly byte[] _encryptionSecret;
    private readonly Dictionary<(uint Leaf, RatchetKind Kind), HashRatchet> _ratchets = [];

    public SecretTree(CipherSuite suite, byte[] encryptionSecret, uint leafCount)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(encryptionSecret);
        ArgumentOutOfRangeException.ThrowIfZero(leafCount);
        _suite = suite;
        _encryptionSecret = encryptionSecret;
        LeafCount = leafCount;
    }

    public uint LeafCount { get; }

    /// <summary>Returns (creating on first use) the ratchet of a leaf.</summary>
    public HashRatchet Ratchet(uint leaf, RatchetKind kind)
    {
        if (leaf >= LeafCount)
        {
            throw new MlsProtocolException($"Leaf {leaf} is outside the secret tree.");
        }

        if (!_ratchets.TryGetValue((leaf, kind), out var ratchet))
        {
            var leafSecret = LeafSecret(leaf);
            var label = kind == RatchetKind.Handshake ? "handshake" : "application";
            ratchet = new HashRatchet(_suite, _suite.ExpandWithLabel(leafSecret, label, [], _suite.HashLength));
            _ratchets[(leaf, kind)] = ratchet;
        }

        return ratchet;
    }

    /// <summary>Key and nonce protecting <c>SenderData</c> (RFC 9420 §6.3.2).</summary>
    public static (byte[] Key, byte[] Nonce) SenderDataKeys(CipherSuite suite, ReadOnlySpan<byte> senderDataSecret, ReadOnlySpan<byte> ciphertext)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var sample = ciphertext[..Math.Min(ciphertext.Length, suite.HashLength)];
        return (suite.ExpandWithLabel(senderDataSecret, "key", sample, suite.KeyLength),
            suite.ExpandWithLabel(senderDataSecret, "nonce", sample, suite.NonceLength));
    }

    private byte[] LeafSecret(uint leaf)
    {
        var target = TreeMath.LeafToNode(leaf);
        var node = TreeMath.Root(LeafCount);
        var secret = _encryptionSecret;
        while (node != target)
        {
            if (target < node)
            {
                secret = _suite.ExpandWithLabel(secret, "tree", "left"u8, _suite.HashLength);
                node = TreeMath.Left(node)!.Value;
            }
            else
            {
                secret = _suite.ExpandWithLabel(secret, "tree", "right"u8, _suite.HashLength);
                node = TreeMath.Right(node)!.Value;
            }
        }

        return secret;
    }
}

/// <summary>
/// A hash ratchet (RFC 9420 §9.1). Keys of skipped generations are retained (up to a bound) so
/// that out-of-order messages can be decrypted; every key is handed out at most once.
/// </summary>
public sealed class HashRatchet
{
    /// <summary>How far ahead of the current generation a receiver may jump.</summary>
    public const uint MaxForwardDistance = 1024;

    private readonly CipherSuite _suite;
    private readonly Dictionary<uint, RatchetKey> _retained = [];
    private byte[] _secret;

    internal HashRatchet(CipherSuite suite, byte[] secret)
    {
        _suite = suite;
        _secret = secret;
    }

    /// <summary>The generation <see cref="Next"/> would return.</summary>
    public uint NextGeneration { get; private set; }

    /// <summary>Returns the key of the current generation and advances (sending side).</summary>
    public RatchetKey Next()
    {
        var key = Current();
        Advance();
        return key;
    }

    /// <summary>Returns the key of <paramref name="generation"/> (receiving side), consuming it.</summary>
    public RatchetKey Get(uint generation)
    {
        if (generation < NextGeneration)
        {
            if (_retained.Remove(generation, out var old))
            {
                return old;
            }

            throw new MlsProtocolException($"Key for generation {generation} is no longer available.");
        }

        if (generation - NextGeneration > MaxForwardDistance)
        {
            throw new MlsProtocolException($"Generation {generation} is too far ahead.");
        }

        while (NextGeneration < generation)
        {
            _retained[NextGeneration] = Current();
            Advance();
        }

        return Next();
    }

    /// <summary>Puts back a key obtained from <see cref="Get"/> whose message failed to decrypt.</summary>
    public void Restore(RatchetKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Generation < NextGeneration)
        {
            _retained[key.Generation] = key;
        }
    }

    private RatchetKey Current() => new(
        NextGeneration,
        _suite.DeriveTreeSecret(_secret, "key", NextGeneration, _suite.KeyLength),
        _suite.DeriveTreeSecret(_secret, "nonce", NextGeneration, _suite.NonceLength));

    private void Advance()
    {
        _secret = _suite.DeriveTreeSecret(_secret, "secret", NextGeneration, _suite.HashLength);
        NextGeneration++;
    }
}
