using System.Text;

namespace AudioOrchestrator.Ingress.Events;

/// <summary>
/// One session event as every live endpoint sends it: its <see cref="Event"/> name, its data as camelCase JSON (one line),
/// and for committed turns an <see cref="Id"/> to resume after (see docs/session-events.md).
/// </summary>
public sealed record SessionEventMessage(string Event, string Data, string? Id = null)
{
    /// <summary>The message as a Server-Sent Events frame (<c>event:</c>, <c>id:</c>, <c>data:</c>, blank line).</summary>
    public string ToServerSentEvent()
    {
        var frame = new StringBuilder(Data.Length + Event.Length + 32);
        frame.Append("event: ").Append(Event).Append('\n');
        if (Id is not null)
        {
            frame.Append("id: ").Append(Id).Append('\n');
        }

        // Compact JSON holds no raw line breaks; split anyway so a data line can never end the frame early.
        foreach (var line in Data.Split('\n'))
        {
            frame.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        return frame.Append('\n').ToString();
    }
}
