namespace AudioOrchestrator.Grains;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class StorageNames
{
    /// <summary>Conversation sessions: context and history.</summary>
    public const string Sessions = "sessions";
}
