namespace AudioOrchestrator.Grains;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class StorageNames
{
    /// <summary>Conversation sessions: context and history.</summary>
    public const string Sessions = "sessions";

    /// <summary>Orleans stream pub-sub subscriptions.</summary>
    public const string PubSub = "PubSubStore";
}
