using System.Globalization;
using AudioOrchestrator.Archive;
using AudioOrchestrator.Contracts;

namespace AudioOrchestrator.Ingress.Events;

/// <summary>
/// The SSE id of a committed turn: <c>{commit time in microseconds since the Unix epoch}.{turn id}</c>, the turn's place
/// in its session's commit order. Clients treat it as opaque and send it back as <c>Last-Event-ID</c>.
/// </summary>
public static class TurnEventId
{
    /// <summary>The id of the turn at <paramref name="position"/>.</summary>
    public static string Format(TurnPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return position.CommittedAtMicros.ToString(CultureInfo.InvariantCulture) + "." + position.TurnId;
    }

    /// <summary>The position named by an id this service issued; false for anything else.</summary>
    public static bool TryParse(string? id, out TurnPosition? position)
    {
        position = null;
        var dot = id?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (id is null || dot is < 1 or > 20
            || !long.TryParse(id.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
            || !Identifiers.IsValid(id[(dot + 1)..]))
        {
            return false;
        }

        try
        {
            position = TurnPosition.FromMicros(micros, id[(dot + 1)..]);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
