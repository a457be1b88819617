namespace AudioOrchestrator.Testing;

/// <summary>
/// A turn archive of its own for each service a test starts: sessions rebuild their recent turns from the archive when
/// they activate, so two services sharing one file would see each other's turns in sessions of the same id.
/// </summary>
public static class TestArchive
{
    /// <summary>
    /// A new SQLite archive path: in the directory of the run's archive (<c>Archive__SqlitePath</c>, which scripts/test.sh
    /// sets and removes at the end), else in the temporary directory.
    /// </summary>
    public static string NewSqlitePath()
    {
        var run = Environment.GetEnvironmentVariable("Archive__SqlitePath");
        var directory = string.IsNullOrWhiteSpace(run) ? Path.GetTempPath() : Path.GetDirectoryName(Path.GetFullPath(run))!;
        return Path.Combine(directory, "archive-" + Guid.NewGuid().ToString("N")[..12] + ".db");
    }

    /// <summary>Deletes a test service's SQLite archive (with its WAL files) and the answer audio kept beside it.</summary>
    public static void Delete(string sqlitePath)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { sqlitePath, sqlitePath + "-wal", sqlitePath + "-shm" })
        {
            File.Delete(file);
        }

        var answerAudio = AudioOrchestrator.Archive.AnswerAudio.AnswerAudioOptions.DirectoryFor(sqlitePath);
        if (Directory.Exists(answerAudio))
        {
            Directory.Delete(answerAudio, recursive: true);
        }
    }
}
