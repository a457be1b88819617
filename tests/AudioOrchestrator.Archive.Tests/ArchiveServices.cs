namespace AudioOrchestrator.Archive.Tests;

/// <summary>The archive's services as the host registers them (<c>AddTurnArchive</c>), from settings.</summary>
internal static class ArchiveServices
{
    public static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTurnArchive(configuration);
        return services.BuildServiceProvider();
    }
}
