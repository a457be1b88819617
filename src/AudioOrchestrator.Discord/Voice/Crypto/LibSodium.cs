using System.Runtime.InteropServices;

namespace AudioOrchestrator.Discord.Voice.Crypto;

/// <summary>The libsodium functions XChaCha20-Poly1305 needs (Debian/Ubuntu package <c>libsodium23</c>).</summary>
internal static unsafe partial class LibSodium
{
    private const string Library = "libsodium.so.23";

    [LibraryImport(Library, EntryPoint = "sodium_init")]
    internal static partial int SodiumInit();

    [LibraryImport(Library, EntryPoint = "crypto_aead_xchacha20poly1305_ietf_encrypt")]
    internal static partial int XChaCha20Poly1305Encrypt(
        byte* c, ulong* clen, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    [LibraryImport(Library, EntryPoint = "crypto_aead_xchacha20poly1305_ietf_decrypt")]
    internal static partial int XChaCha20Poly1305Decrypt(
        byte* m, ulong* mlen, byte* nsec, byte* c, ulong clen, byte* ad, ulong adlen, byte* npub, byte* k);
}
