using System.Text.Json;

namespace AudioOrchestrator.Mls.Tests;

/// <summary>
/// Locates the official MLS test vectors: the folder named by <c>MLS_TEST_VECTORS</c>, else a
/// <c>shared/mls-test-vectors</c> folder found by walking up from the test assembly directory
/// (the repository clone sits beside <c>shared/</c>).
/// </summary>
internal static class TestVectors
{
    public const string EnvironmentVariable = "MLS_TEST_VECTORS";

    /// <summary>
    /// Set <c>MLS_EXHAUSTIVE=1</c> to run every case of the slow suites (1, 3, 5, 7) too; by default
    /// those run a prefix of their treekem and passive-client-random cases. Suite 2 always runs in full.
    /// </summary>
    public static bool Exhaustive => Environment.GetEnvironmentVariable("MLS_EXHAUSTIVE") == "1";

    public static string Folder()
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            Assert.True(Directory.Exists(fromEnv), $"{EnvironmentVariable}={fromEnv} does not exist.");
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "mls-test-vectors");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"MLS test vectors not found: set {EnvironmentVariable} or place shared/mls-test-vectors beside the repository.");
        return string.Empty;
    }

    /// <summary>Loads every case of a vector file; fails when the file is missing or empty.</summary>
    public static IReadOnlyList<JsonElement> Load(string fileName) => Load(Folder(), fileName);

    /// <summary>Loads every case of a vector file in <paramref name="folder"/>; fails when missing or empty.</summary>
    public static IReadOnlyList<JsonElement> Load(string folder, string fileName)
    {
        var path = Path.Combine(folder, fileName);
        Assert.True(File.Exists(path), $"Vector file {path} is missing.");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        Assert.NotEmpty(cases);
        return cases;
    }

    /// <summary>Loads the cases of one ciphersuite; fails when there is none.</summary>
    public static IReadOnlyList<JsonElement> LoadSuite(string fileName, ushort suite)
    {
        var cases = Load(fileName).Where(c => c.GetProperty("cipher_suite").GetUInt16() == suite).ToList();
        Assert.True(cases.Count > 0, $"{fileName} has no case for cipher suite {suite}.");
        return cases;
    }

    public static byte[] Hex(this JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    public static byte[]? HexOrNull(this JsonElement e, string name)
    {
        var p = e.GetProperty(name);
        return p.ValueKind == JsonValueKind.Null ? null : Convert.FromHexString(p.GetString()!);
    }

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static uint U32(this JsonElement e, string name) => e.GetProperty(name).GetUInt32();

    public static ulong U64(this JsonElement e, string name) => e.GetProperty(name).GetUInt64();

    public static string ToHex(this byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
