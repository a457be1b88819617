using AudioOrchestrator.Audio.Tests.Support;

namespace AudioOrchestrator.Audio.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Native_libraries_load_and_round_trip()
    {
        using var encoder = new OpusEncoder(48000, 1);
        using var decoder = new OpusDecoder(48000, 1);
        var packet = new byte[OpusEncoder.MaxPacketSize];
        var pcm = new short[5760];
        var length = encoder.Encode(Signals.Sine(440, 48000, 960), packet);
        Assert.InRange(length, 1, 4000);
        Assert.Equal(960, decoder.Decode(packet.AsSpan(0, length), pcm));

        var resampled = new PcmAudio(Signals.Sine(440, 44100, 44100), 44100, 1).ResampleTo(16000);
        Assert.Equal(16000, resampled.FrameCount);
    }
}
