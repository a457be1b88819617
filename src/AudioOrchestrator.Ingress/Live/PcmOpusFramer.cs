using System.Buffers.Binary;
using AudioOrchestrator.Audio;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// The pcm16 side of audio in: 16-bit little-endian mono PCM at 16 kHz, in chunks of any even length, becomes 20 ms
/// Opus packets encoded as <see cref="SpeechOpus"/> says (16 kHz mono, no resampling; as an upload's audio is
/// encoded); a quiet frame becomes the Opus silence frame without encoding. A partial frame waits for the next chunk. Not thread-safe: one per socket, used by its receive loop.
/// </summary>
public sealed class PcmOpusFramer : IDisposable
{
    private static readonly int FrameSamples = AudioFormat.SamplesPerFrame(SpeechOpus.SampleRate);

    private readonly OpusEncoder _encoder = SpeechOpus.CreateEncoder();
    private readonly short[] _frame = new short[FrameSamples];
    private readonly byte[] _packet = new byte[OpusEncoder.MaxPacketSize];
    private int _filled;

    /// <summary>Encodes what <paramref name="pcm"/> completes; returns the packets (none while a frame is still partial).</summary>
    /// <exception cref="ArgumentException">An odd number of bytes.</exception>
    public IReadOnlyList<byte[]> Push(ReadOnlySpan<byte> pcm)
    {
        if (pcm.Length % 2 != 0)
        {
            throw new ArgumentException("16-bit PCM comes in whole samples (an even number of bytes).", nameof(pcm));
        }

        List<byte[]>? packets = null;
        while (!pcm.IsEmpty)
        {
            var take = Math.Min(FrameSamples - _filled, pcm.Length / 2);
            for (var i = 0; i < take; i++)
            {
                _frame[_filled + i] = BinaryPrimitives.ReadInt16LittleEndian(pcm.Slice(i * 2, 2));
            }

            _filled += take;
            pcm = pcm[(take * 2)..];
            if (_filled == FrameSamples)
            {
                (packets ??= []).Add(SpeechOpus.IsQuiet(_frame) ? SpeechOpus.SilencePacket() : _packet.AsSpan(0, _encoder.Encode(_frame, _packet)).ToArray());
                _filled = 0;
            }
        }

        return packets ?? (IReadOnlyList<byte[]>)[];
    }

    public void Dispose() => _encoder.Dispose();
}
