using AudioOrchestrator.Mls.Codec;
using AudioOrchestrator.Mls.Crypto;
using AudioOrchestrator.Mls.Messages;

namespace AudioOrchestrator.Mls.Schedule;

/// <summary>Confirmed and interim transcript hashes of a commit (RFC 9420 §8.2).</summary>
public sealed record TranscriptHashes(byte[] Confirmed, byte[] Interim)
{
    /// <summary>Updates the transcript with a commit's authenticated content.</summary>
    public static TranscriptHashes Update(CipherSuite suite, ReadOnlySpan<byte> interimBefore, AuthenticatedContent commit)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(commit);
        var confirmed = ConfirmedHash(suite, interimBefore, commit);
        var tag = commit.Auth.ConfirmationTag ?? throw new MlsProtocolException("Commit without confirmation tag.");
        return new TranscriptHashes(confirmed, InterimHash(suite, confirmed, tag));
    }

    /// <summary>confirmed = Hash(interim_before || ConfirmedTranscriptHashInput).</summary>
    public static byte[] ConfirmedHash(CipherSuite suite, ReadOnlySpan<byte> interimBefore, AuthenticatedContent commit)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(commit);
        var w = new TlsWriter();
        w.Write(interimBefore);
        w.WriteUInt16((ushort)commit.WireFormat);
        commit.Content.Encode(w);
        w.WriteOpaque(commit.Auth.Signature);
        return suite.Hash(w.ToArray());
    }

    /// <summary>interim = Hash(confirmed || InterimTranscriptHashInput).</summary>
    public static byte[] InterimHash(CipherSuite suite, ReadOnlySpan<byte> confirmed, ReadOnlySpan<byte> confirmationTag)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var w = new TlsWriter();
        w.Write(confirmed);
        w.WriteOpaque(confirmationTag);
        return suite.Hash(w.ToArray());
    }

    /// <summary>confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash).</summary>
    public static byte[] ConfirmationTag(CipherSuite suite, ReadOnlySpan<byte> confirmationKey, ReadOnlySpan<byte> confirmedTranscriptHash)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.Mac(confirmationKey, confirmedTranscriptHash);
    }
}
