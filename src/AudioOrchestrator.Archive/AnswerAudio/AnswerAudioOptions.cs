using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Archive.AnswerAudio;

/// <summary>How long and how much answer audio is kept (configuration section <c>Archive:AnswerAudio</c>).</summary>
public sealed class AnswerAudioOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Archive:AnswerAudio";

    /// <summary>The longest <see cref="Retention"/> accepted.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(3650);

    /// <summary>How long an answer stays downloadable after it was kept; it reads as missing after that.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The largest answer kept, in bytes (a larger one is refused and logged). 16 MiB is about 2.9 min of the 48 kHz 16-bit mono WAV the ingress keeps.</summary>
    public long MaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// The directory of the embedded store (<c>Archive:Store=Sqlite</c>); null for a directory next to the archive file
    /// (<see cref="DirectoryFor"/>).
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>The directory store refuses (and logs) an answer that would leave less free disk than this, in bytes.</summary>
    public long MinFreeDiskBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>The default directory for an archive file: <c>archive.db</c> keeps its answers in <c>archive-answer-audio</c> beside it.</summary>
    public static string DirectoryFor(string sqlitePath)
    {
        var full = Path.GetFullPath(sqlitePath);
        return Path.Combine(Path.GetDirectoryName(full) ?? full, Path.GetFileNameWithoutExtension(full) + "-answer-audio");
    }

    /// <summary>The directory the embedded store uses.</summary>
    public string ResolvedDirectory(TurnArchiveOptions archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return string.IsNullOrWhiteSpace(Directory) ? DirectoryFor(archive.ResolvedSqlitePath) : Path.GetFullPath(Directory);
    }
}

/// <summary>Checks <see cref="AnswerAudioOptions"/> at start-up, naming the setting to fix.</summary>
public sealed class AnswerAudioOptionsValidator : IValidateOptions<AnswerAudioOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AnswerAudioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Retention < TimeSpan.FromSeconds(1) || options.Retention > AnswerAudioOptions.MaxRetention)
        {
            failures.Add($"{AnswerAudioOptions.SectionName}:Retention must be between 00:00:01 and {AnswerAudioOptions.MaxRetention.Days}.00:00:00, not {options.Retention}.");
        }

        if (options.MaxBytes is < 1024 or > 1L << 30)
        {
            failures.Add($"{AnswerAudioOptions.SectionName}:MaxBytes must be between 1024 and {1L << 30} bytes, not {options.MaxBytes}.");
        }

        if (options.MinFreeDiskBytes < 0)
        {
            failures.Add($"{AnswerAudioOptions.SectionName}:MinFreeDiskBytes must not be negative, not {options.MinFreeDiskBytes}.");
        }

        if (options.Directory is { } directory && (directory.Trim().Length == 0 || directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            failures.Add($"{AnswerAudioOptions.SectionName}:Directory '{directory}' is not a valid path.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
