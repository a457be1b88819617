namespace AudioOrchestrator.Grains;

/// <summary>
/// The correlation ids of the last <see cref="Capacity"/> uploads an activation received, oldest forgotten first: lets an
/// upload's waiter ask whether this activation ever had its input (a new one, after a silo died, did not).
/// </summary>
internal sealed class RecentInputs
{
    public const int Capacity = 512;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public void Add(string? correlationId)
    {
        if (correlationId is null || !_ids.Add(correlationId))
        {
            return;
        }

        _order.Enqueue(correlationId);
        if (_order.Count > Capacity)
        {
            _ids.Remove(_order.Dequeue());
        }
    }

    public bool Contains(string correlationId) => _ids.Contains(correlationId);

    public void Clear()
    {
        _ids.Clear();
        _order.Clear();
    }
}
