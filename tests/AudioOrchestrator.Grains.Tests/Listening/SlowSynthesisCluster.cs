using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>The pipeline cluster with a text-to-speech double that takes 200 ms for every 500 ms of answer audio.</summary>
public sealed class SlowSynthesisCluster : PipelineCluster
{
    /// <summary>The silo's text-to-speech double.</summary>
    public SlowToneTextToSpeech TextToSpeech { get; } = new();

    protected override void ConfigureSiloServices(IServiceCollection services) =>
        services.AddSingleton<ITextToSpeechClient>(TextToSpeech);

    /// <summary>The tone answer of <see cref="ToneTextToSpeech"/>, produced in 500 ms pieces 200 ms apart.</summary>
    public sealed class SlowToneTextToSpeech : ITextToSpeechClient
    {
        private int _cancelled;
        private int _started;
        private int _ended;

        /// <summary>Syntheses that stopped because their cancellation token fired.</summary>
        public int Cancelled => Volatile.Read(ref _cancelled);

        /// <summary>Texts whose synthesis stops after the first piece until it is cancelled (none by default).</summary>
        public Func<string, bool> HoldAfterFirstPiece { get; set; } = _ => false;

        /// <summary>Syntheses begun.</summary>
        public int Started => Volatile.Read(ref _started);

        /// <summary>Syntheses over, finished or stopped.</summary>
        public int Ended => Volatile.Read(ref _ended);

        public async Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default)
        {
            var contents = new List<AIContent>();
            await foreach (var update in GetStreamingAudioAsync(text, options, cancellationToken))
            {
                contents.AddRange(update.Contents);
            }

            return new TextToSpeechResponse(contents);
        }

        public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(
            string text, TextToSpeechOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var audio = ToneTextToSpeech.Speak(text);
            var piece = audio.SampleRate / 2;
            Interlocked.Increment(ref _started);
            using var registration = cancellationToken.Register(() => Interlocked.Increment(ref _cancelled));
            try
            {
                var hold = HoldAfterFirstPiece(text);
                for (var offset = 0; offset < audio.Samples.Length; offset += piece)
                {
                    await Task.Delay(offset > 0 && hold ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(200), cancellationToken);
                    var samples = audio.Samples.AsSpan(offset, Math.Min(piece, audio.Samples.Length - offset)).ToArray();
                    yield return new TextToSpeechResponseUpdate([new DataContent(WavCodec.Encode(new PcmAudio(samples, audio.SampleRate, 1)), "audio/wav")]);
                }
            }
            finally
            {
                Interlocked.Increment(ref _ended);
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType?.IsInstanceOfType(this) == true ? this : null;

        public void Dispose()
        {
        }
    }
}
