namespace AudioOrchestrator.Mls.Tests;

public sealed class VectorDiscoveryTests
{
    [Fact]
    public void MissingOrEmptyVectorFilesFail()
    {
        var dir = Directory.CreateTempSubdirectory("mls-vectors-");
        try
        {
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestVectors.Load(dir.FullName, "tree-math.json"));
            File.WriteAllText(Path.Combine(dir.FullName, "tree-math.json"), "[]");
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TestVectors.Load(dir.FullName, "tree-math.json"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AllVectorFilesAreFound()
    {
        foreach (var file in new[]
        {
            "tree-math.json", "crypto-basics.json", "secret-tree.json", "key-schedule.json", "psk_secret.json",
            "transcript-hashes.json", "message-protection.json", "messages.json", "tree-validation.json",
            "tree-operations.json", "treekem.json", "welcome.json", "passive-client-welcome.json",
            "passive-client-handling-commit.json", "passive-client-random.json", "deserialization.json",
        })
        {
            Assert.NotEmpty(TestVectors.Load(file));
        }
    }
}
