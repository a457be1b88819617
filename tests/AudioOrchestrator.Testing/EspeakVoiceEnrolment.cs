using System.Security.Cryptography;
using System.Text;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Testing;

/// <summary>
/// The pocketsphinx acoustic model enrolled to espeak-ng's en-us voice, the "speaker" of every speech test.
/// espeak-ng reads the library's <see cref="EnrolmentPrompts"/> (none contains a word the tests ask about) and
/// <see cref="SpeakerAdaptation"/> adapts the stock model to it, as a deployment enrols its users' voices or
/// microphones. The stock model recognises human speech but not espeak's formant voice.
/// </summary>
/// <remarks>
/// Built once (about 20 s) and cached in the temp folder under a hash of the prompts and rates; a file lock makes
/// concurrent test processes wait for one build instead of racing.
/// </remarks>
public static class EspeakVoiceEnrolment
{
    /// <summary>Speaking rates (words per minute) each prompt is read at.</summary>
    public static IReadOnlyList<int> Rates { get; } = [175, 140];

    public static async Task<string> GetModelAsync(CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\n', EnrolmentPrompts.Sentences) + "|" + string.Join(',', Rates) + "|map-1")))[..16];
        var root = Path.Combine(Path.GetTempPath(), "audioorchestrator-speech-tests");
        var directory = Path.Combine(root, "espeak-en-us-" + key);
        Directory.CreateDirectory(root);
        using var gate = await AcquireLockAsync(Path.Combine(root, key + ".lock"), cancellationToken);
        if (File.Exists(Path.Combine(directory, "ADAPTATION")))
        {
            return directory;
        }

        var corpus = new List<(PcmAudio, string)>();
        foreach (var sentence in EnrolmentPrompts.Sentences)
        {
            foreach (var rate in Rates)
            {
                corpus.Add((WavCodec.Decode(await EspeakCli.SayAsync(sentence, cancellationToken, rate: rate)), sentence));
            }
        }

        var adaptation = new SpeakerAdaptation(
            Options.Create(new PocketSphinxOptions()),
            Options.Create(new SpeakerAdaptationOptions()),
            NullLogger<SpeakerAdaptation>.Instance);
        return await adaptation.AdaptAsync(corpus, directory, cancellationToken);
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }
}
