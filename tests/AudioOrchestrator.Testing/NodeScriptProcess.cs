using System.Diagnostics;
using System.Text.Json;

namespace AudioOrchestrator.Testing;

/// <summary>
/// Drives an independent implementation written for Node.js (e.g. npm <c>@snazzah/davey</c>) from a test: installs
/// one npm package into a cached temp folder, writes the test's driver script next to it, and talks to it one JSON
/// object per line. A reply must carry <c>"ok": true</c>, else the call fails with the script's <c>error</c>.
/// </summary>
public sealed class NodeScriptProcess : IDisposable
{
    private readonly Process _node;

    private NodeScriptProcess(Process node) => _node = node;

    /// <summary>Installs <paramref name="package"/>@<paramref name="version"/> (once per folder) and starts the driver script.</summary>
    public static NodeScriptProcess Start(string folderName, string package, string version, string driverScript)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{folderName}-{version}");
        Directory.CreateDirectory(dir);
        WriteAtomically(Path.Combine(dir, "driver.js"), driverScript);
        if (!File.Exists(Path.Combine(dir, "node_modules", Path.Combine(package.Split('/')), "package.json")))
        {
            File.WriteAllText(
                Path.Combine(dir, "package.json"),
                $$"""{ "name": "{{folderName}}", "private": true, "dependencies": { "{{package}}": "{{version}}" } }""");
            using var npm = Process.Start(new ProcessStartInfo("npm", "install --no-audit --no-fund")
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("npm did not start.");
            var stderr = npm.StandardError.ReadToEndAsync();
            npm.StandardOutput.ReadToEnd();
            if (!npm.WaitForExit(TimeSpan.FromMinutes(5)) || npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm install {package}@{version} failed: {stderr.Result}");
            }
        }

        var node = Process.Start(new ProcessStartInfo("node", "driver.js")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("node did not start.");
        return new NodeScriptProcess(node);
    }

    /// <summary>
    /// Writes the driver only when it changed, and by renaming a complete temporary file over it: node processes that
    /// other tests (and other test assemblies) start from the same folder are reading it meanwhile, and a truncated
    /// script made a starting driver exit at once.
    /// </summary>
    private static void WriteAtomically(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return;
        }

        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Sends one command and returns the script's reply.</summary>
    public JsonElement Call(object command)
    {
        _node.StandardInput.WriteLine(JsonSerializer.Serialize(command));
        var line = _node.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the node driver exited");
        var reply = JsonDocument.Parse(line).RootElement.Clone();
        if (!reply.TryGetProperty("ok", out var ok) || !ok.GetBoolean())
        {
            throw new InvalidOperationException("node driver: " + (reply.TryGetProperty("error", out var e) ? e.GetString() : line));
        }

        return reply;
    }

    public void Dispose()
    {
        _node.StandardInput.Close();
        if (!_node.WaitForExit(5000))
        {
            _node.Kill();
        }

        _node.Dispose();
    }
}
