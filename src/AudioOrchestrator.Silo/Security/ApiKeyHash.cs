using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AudioOrchestrator.Silo.Security;

/// <summary>The SHA-256 of an API key's UTF-8 text: what the configuration holds instead of the key.</summary>
public static class ApiKeyHash
{
    /// <summary>The hash of <paramref name="key"/>.</summary>
    public static byte[] Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The hash of <paramref name="key"/> as lowercase hex, as <c>KeySha256</c> takes it.</summary>
    public static string HexOf(string key) => Convert.ToHexStringLower(Of(key));

    /// <summary>Parses 64 hex digits (either case) into the 32 bytes of a SHA-256.</summary>
    public static bool TryParseHex(string? hex, out byte[] hash)
    {
        hash = [];
        var text = hex?.Trim();
        if (text is null || text.Length != SHA256.HashSizeInBytes * 2 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        hash = Convert.FromHexString(text);
        return true;
    }
}

/// <summary>Guild ids as keys name them: canonical decimal text of a non-zero snowflake.</summary>
internal static class ApiKeyGuilds
{
    public static bool TryNormalize(string? text, out string guildId)
    {
        guildId = "";
        if (!ulong.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
        {
            return false;
        }

        guildId = id.ToString(CultureInfo.InvariantCulture);
        return true;
    }
}
