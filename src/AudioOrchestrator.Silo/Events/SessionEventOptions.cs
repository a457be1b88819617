using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Silo.Events;

/// <summary>The live session events stream (<c>GET /api/v1/sessions/{id}/events</c>). Section <c>SessionEvents</c>.</summary>
public sealed class SessionEventOptions
{
    public const string SectionName = "SessionEvents";

    /// <summary>
    /// Events a connection may have waiting for its client; a client that falls this far behind is sent a final
    /// <c>error</c> event and dropped (it never holds up the session or other listeners).
    /// </summary>
    [Range(16, 100_000)]
    public int BufferEvents { get; set; } = 1024;

    /// <summary>Seconds between keep-alive comments on an open stream.</summary>
    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>Seconds the final <c>error</c> event of a dropped connection may take to be written before the connection is aborted.</summary>
    [Range(1, 300)]
    public int FinalWriteSeconds { get; set; } = 5;
}
