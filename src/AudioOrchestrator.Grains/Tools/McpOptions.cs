using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Grains.Tools;

/// <summary>Model Context Protocol servers whose tools the model may call. Section <c>Mcp</c>.</summary>
public sealed class McpOptions
{
    public const string SectionName = "Mcp";

    /// <summary>Servers by name: <c>Mcp:Servers:{name}:Command</c> (stdio) or <c>Mcp:Servers:{name}:Url</c> (streamable HTTP).</summary>
    public Dictionary<string, McpServerOptions> Servers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>First wait before reconnecting a server that failed (doubling up to a minute).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>One MCP server.</summary>
public sealed class McpServerOptions
{
    /// <summary>The program to start for a stdio server.</summary>
    public string? Command { get; set; }

    /// <summary>Its arguments.</summary>
    public IList<string> Arguments { get; set; } = [];

    /// <summary>Its working directory (unset = the service's).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables for a stdio server.</summary>
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The endpoint of a streamable HTTP server.</summary>
    public string? Url { get; set; }

    /// <summary>Headers sent to an HTTP server (e.g. <c>Authorization</c>); never logged, never shown to the model.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Discord guilds whose sessions may use this server's tools; empty = every session.</summary>
    public IList<string> Guilds { get; set; } = [];

    /// <summary>How long one call may take; unset = <c>Tools:CallTimeout</c>.</summary>
    public TimeSpan? CallTimeout { get; set; }
}
