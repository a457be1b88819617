using AudioOrchestrator.Archive.AnswerAudio;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Archive.Tests;

public sealed class AnswerAudioOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) => ArchiveServices.Build(settings);

    [Fact]
    public async Task The_embedded_store_is_a_directory_beside_the_archive_file_unless_one_is_configured()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ao-archive-tests", Guid.NewGuid().ToString("N"));
        await using (var provider = Build(new() { ["Archive:SqlitePath"] = Path.Combine(directory, "sessions.db") }))
        {
            var store = Assert.IsType<DirectoryAnswerAudioStore>(provider.GetRequiredService<IAnswerAudioStore>());
            Assert.Equal(Path.Combine(directory, "sessions-answer-audio"), store.Root);
        }

        await using (var provider = Build(new() { ["Archive:SqlitePath"] = Path.Combine(directory, "sessions.db"), ["Archive:AnswerAudio:Directory"] = Path.Combine(directory, "wav") }))
        {
            Assert.Equal(Path.Combine(directory, "wav"), Assert.IsType<DirectoryAnswerAudioStore>(provider.GetRequiredService<IAnswerAudioStore>()).Root);
        }

        Assert.False(Directory.Exists(directory)); // nothing is created before an answer is kept
    }

    [Theory]
    [InlineData("Archive:AnswerAudio:Retention", "00:00:00", "Archive:AnswerAudio:Retention")]
    [InlineData("Archive:AnswerAudio:Retention", "4000.00:00:00", "Archive:AnswerAudio:Retention")]
    [InlineData("Archive:AnswerAudio:MaxBytes", "100", "Archive:AnswerAudio:MaxBytes")]
    [InlineData("Archive:AnswerAudio:MinFreeDiskBytes", "-1", "Archive:AnswerAudio:MinFreeDiskBytes")]
    [InlineData("Archive:AnswerAudio:Directory", " ", "Archive:AnswerAudio:Directory")]
    public async Task A_bad_setting_stops_start_up_naming_the_key(string key, string value, string named)
    {
        await using var provider = Build(new() { [key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnswerAudioOptions>>().Value);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
