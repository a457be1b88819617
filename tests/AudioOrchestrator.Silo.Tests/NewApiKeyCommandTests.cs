using System.Buffers.Text;
using System.Text.Json;
using AudioOrchestrator.Silo.CommandLine;
using AudioOrchestrator.Silo.Security;

namespace AudioOrchestrator.Silo.Tests;

/// <summary><c>--new-api-key NAME --scopes ... [--guilds ...]</c>: a key, its hash and the configuration, without starting the service.</summary>
public sealed class NewApiKeyCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prints_a_new_key_its_hash_and_the_configuration_that_accepts_it()
    {
        var (exitCode, stdout, stderr) = await RunAsync("--new-api-key", "console", "--scopes", "sessions:read,sessions:write", "--guilds", "123,456");

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
        var key = lines[Array.FindIndex(lines, l => l.StartsWith("API key 'console'", StringComparison.Ordinal)) + 2];
        Assert.Equal(NewApiKeyCommand.KeyBytes, Base64Url.DecodeFromChars(key).Length);
        var hash = ApiKeyHash.HexOf(key);
        Assert.Contains($"SHA-256: {hash}", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", stdout, StringComparison.Ordinal); // nothing was started

        var json = stdout[stdout.IndexOf('{', StringComparison.Ordinal)..(stdout.LastIndexOf('}') + 1)];
        var entry = JsonDocument.Parse(json).RootElement.GetProperty("Auth").GetProperty("ApiKeys")[0];
        Assert.Equal("console", entry.GetProperty("Name").GetString());
        Assert.Equal(hash, entry.GetProperty("KeySha256").GetString());
        Assert.Equal(["sessions:read", "sessions:write"], entry.GetProperty("Scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["123", "456"], entry.GetProperty("Guilds").EnumerateArray().Select(s => s.GetString()));
        foreach (var line in new[]
        {
            "Auth__ApiKeys__0__Name=console", $"Auth__ApiKeys__0__KeySha256={hash}", "Auth__ApiKeys__0__Scopes__0=sessions:read",
            "Auth__ApiKeys__0__Scopes__1=sessions:write", "Auth__ApiKeys__0__Guilds__0=123", "Auth__ApiKeys__0__Guilds__1=456",
        })
        {
            Assert.Contains(line, lines);
        }
    }

    [Fact]
    public async Task Each_run_makes_a_different_key()
    {
        var first = await RunAsync("--new-api-key", "a", "--scopes", "admin");
        var second = await RunAsync("--new-api-key", "a", "--scopes", "admin");

        Assert.Equal(0, first.ExitCode);
        Assert.NotEqual(Hash(first.Stdout), Hash(second.Stdout));

        static string Hash(string stdout) => stdout.Split('\n').Single(l => l.StartsWith("SHA-256:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--scopes is required", "--new-api-key", "console")]
    [InlineData("needs the key's name", "--new-api-key", "--scopes", "admin")]
    [InlineData("Unknown scope 'sessions:all'", "--new-api-key", "console", "--scopes", "sessions:read,sessions:all")]
    [InlineData("'12x' is not a Discord guild id", "--new-api-key", "console", "--scopes", "admin", "--guilds", "12x")]
    public async Task Bad_arguments_exit_2_with_the_reason(string reason, params string[] args)
    {
        var (exitCode, _, stderr) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => SiloProcess.RunAsync(args);
}
