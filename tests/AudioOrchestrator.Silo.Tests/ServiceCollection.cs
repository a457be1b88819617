namespace AudioOrchestrator.Silo.Tests;

/// <summary>The test classes that talk to the running service share one instance of it.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
