using System.Buffers.Text;
using System.Text.Json;

namespace AudioOrchestrator.Archive;

/// <summary>A cursor that this archive did not issue, or issued for another kind of query (another order, another session).</summary>
public sealed class InvalidArchiveCursorException : ArgumentException
{
    public InvalidArchiveCursorException()
        : this("The cursor is not valid.")
    {
    }

    public InvalidArchiveCursorException(string message)
        : base(message, "cursor")
    {
    }

    public InvalidArchiveCursorException(string message, Exception innerException)
        : base(message, "cursor", innerException)
    {
    }
}

/// <summary>
/// The key of the last row of a page, opaque to clients: base64url of a small JSON array
/// <c>[kind, committed-at in microseconds since the Unix epoch, id, scope]</c>.
/// </summary>
internal sealed record ArchiveCursor(string Kind, long Micros, string Id, string Scope)
{
    public const string Sessions = "s";
    public const string TurnsOldestFirst = "t+";
    public const string TurnsNewestFirst = "t-";

    public static string KindOf(TurnOrder order) => order == TurnOrder.NewestFirst ? TurnsNewestFirst : TurnsOldestFirst;

    public string Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(Kind);
            writer.WriteNumberValue(Micros);
            writer.WriteStringValue(Id);
            writer.WriteStringValue(Scope);
            writer.WriteEndArray();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>The cursor, or null when none was given; throws <see cref="InvalidArchiveCursorException"/> for anything else.</summary>
    public static ArchiveCursor? Decode(string? cursor, string expectedKind, string expectedScope)
    {
        if (cursor is null)
        {
            return null;
        }

        if (cursor.Length is 0 or > 4096)
        {
            throw new InvalidArchiveCursorException("The cursor is malformed: pass the nextCursor of a previous page unchanged.");
        }

        ArchiveCursor decoded;
        try
        {
            var bytes = Base64Url.DecodeFromChars(cursor);
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 4
                || root[0].ValueKind != JsonValueKind.String || root[1].ValueKind != JsonValueKind.Number
                || root[2].ValueKind != JsonValueKind.String || root[3].ValueKind != JsonValueKind.String
                || !root[1].TryGetInt64(out var micros))
            {
                throw new InvalidArchiveCursorException("The cursor is malformed: pass the nextCursor of a previous page unchanged.");
            }

            decoded = new ArchiveCursor(root[0].GetString()!, micros, root[2].GetString()!, root[3].GetString()!);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw new InvalidArchiveCursorException("The cursor is malformed: pass the nextCursor of a previous page unchanged.", ex);
        }

        if (decoded.Kind != expectedKind || decoded.Scope != expectedScope)
        {
            throw new InvalidArchiveCursorException("The cursor belongs to another query (another listing, order or session).");
        }

        if (decoded.Micros < ArchiveTime.MinMicros || decoded.Micros > ArchiveTime.MaxMicros)
        {
            throw new InvalidArchiveCursorException("The cursor is malformed: its time is out of range.");
        }

        return decoded;
    }
}

/// <summary>Times as the archive keeps them: UTC, whole microseconds (PostgreSQL's precision).</summary>
internal static class ArchiveTime
{
    public static readonly long MinMicros = ToMicros(DateTimeOffset.MinValue);
    public static readonly long MaxMicros = ToMicros(DateTimeOffset.MaxValue);

    public static long ToMicros(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    public static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond);

    /// <summary>The value truncated to microseconds, in UTC.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value) => FromMicros(ToMicros(value));

    public static DateTimeOffset? Normalize(DateTimeOffset? value) => value is { } time ? Normalize(time) : null;
}

/// <summary>Page sizes.</summary>
public static class ArchiveLimits
{
    /// <summary>The page size when none is asked for.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest page: larger limits are capped to it.</summary>
    public const int MaxLimit = 200;

    /// <summary>The page size to use for <paramref name="limit"/>.</summary>
    public static int Resolve(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 => throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be at least 1."),
        > MaxLimit => MaxLimit,
        _ => limit.Value,
    };
}
