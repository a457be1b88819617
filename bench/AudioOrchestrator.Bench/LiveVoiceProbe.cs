using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using AudioOrchestrator.Audio;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Ingress.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Bench;

/// <summary>
/// The live voice WebSocket against the REST upload, through their real clients on loopback, with instant tone
/// engines. A turn's overhead: the client's end of input (the upload request sent; <c>endOfSpeech</c> sent after the
/// question was streamed at real time) to the first answer frame leaving the session (seen on audio-out in the same
/// process), minus the reported speech-to-text time. For the socket, also to the first answer audio message at the
/// client.
/// </summary>
public sealed class LiveVoiceProbe(WebApplication app)
{
    private readonly SessionOutputHub _hub = app.Services.GetRequiredService<SessionOutputHub>();
    private readonly Uri _base = new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>One REST upload turn: its overhead in ms.</summary>
    public async Task<double> RestTurnAsync(HttpClient http, string session, byte[] wav, CancellationToken cancellationToken)
    {
        var firstFrame = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource<TurnTimings>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listening = await _hub.ListenAsync(session, e => Observe(e, firstFrame, completed), cancellationToken);
        using var content = new ByteArrayContent(wav);
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        var sent = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(new Uri(_base, $"/api/v1/sessions/{session}/utterances"), content, cancellationToken);
        response.EnsureSuccessStatusCode();
        var timings = await completed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var first = await firstFrame.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        return Stopwatch.GetElapsedTime(sent, first).TotalMilliseconds - timings.SttMs;
    }

    public Task<LiveSpeaker> ConnectAsync(string session, CancellationToken cancellationToken) => LiveSpeaker.ConnectAsync(_hub, _base, session, cancellationToken);

    private static Task Observe(SessionOutputEvent item, TaskCompletionSource<long> firstFrame, TaskCompletionSource<TurnTimings> completed)
    {
        switch (item)
        {
            case AnswerAudio:
                firstFrame.TrySetResult(Stopwatch.GetTimestamp());
                break;
            case AnswerCompleted done:
                completed.TrySetResult(done.Timings);
                break;
            case TurnFailed failed:
                completed.TrySetException(new InvalidOperationException(failed.Reason));
                break;
            default:
                break;
        }

        return Task.CompletedTask;
    }

    /// <summary>One live pcm16 speaker: an open microphone streaming at real time (the question, then silence).</summary>
    public sealed class LiveSpeaker : IAsyncDisposable
    {
        private const int ChunkSamples = 1600; // 100 ms
        private readonly ClientWebSocket _socket = new();
        private readonly byte[] _silence = new byte[ChunkSamples * 2];
        private IAsyncDisposable? _listening;
        private Task _reading = Task.CompletedTask;
        private TaskCompletionSource<long> _firstFrame = new();
        private TaskCompletionSource<long> _firstAudioAtClient = new();
        private TaskCompletionSource<TurnTimings> _completed = new();
        private volatile bool _awaiting;
        private long _lastAudioAt;

        private LiveSpeaker()
        {
        }

        public static async Task<LiveSpeaker> ConnectAsync(SessionOutputHub hub, Uri httpBase, string session, CancellationToken cancellationToken)
        {
            var speaker = new LiveSpeaker();
            speaker._listening = await hub.ListenAsync(session, speaker.ObserveAsync, cancellationToken);
            speaker._socket.Options.AddSubProtocol("pcm16");
            var uri = new UriBuilder(new Uri(httpBase, $"/api/v1/sessions/{session}/live")) { Scheme = "ws", Query = "speaker=bench" }.Uri;
            await speaker._socket.ConnectAsync(uri, cancellationToken);
            speaker._reading = Task.Run(speaker.ReadAsync, CancellationToken.None);
            return speaker;
        }

        /// <summary>Speaks <paramref name="question"/> at real time, releases push-to-talk, keeps the microphone open (silence) until the answer is complete; returns (overhead at the session, overhead at the client) in ms.</summary>
        public async Task<(double Session, double Client)> TurnAsync(byte[] question, CancellationToken cancellationToken)
        {
            _firstFrame = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _firstAudioAtClient = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _completed = new TaskCompletionSource<TurnTimings>(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = Stopwatch.GetTimestamp();
            var chunk = 0;

            // The last answer has played out (nothing received for 300 ms) before the next question.
            while (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastAudioAt)) < TimeSpan.FromMilliseconds(300))
            {
                await _socket.SendAsync(_silence, WebSocketMessageType.Binary, true, cancellationToken);
                await PaceAsync(started, ++chunk, cancellationToken);
            }

            for (var offset = 0; offset < question.Length; offset += ChunkSamples * 2, chunk++)
            {
                await _socket.SendAsync(question.AsMemory(offset, Math.Min(ChunkSamples * 2, question.Length - offset)), WebSocketMessageType.Binary, true, cancellationToken);
                await PaceAsync(started, chunk + 1, cancellationToken);
            }

            _awaiting = true;
            var end = Stopwatch.GetTimestamp();
            await _socket.SendAsync("""{"type":"endOfSpeech"}"""u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
            var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
            while (!_completed.Task.IsCompleted || !_firstAudioAtClient.Task.IsCompleted)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException("No answer within 30 s.");
                }

                await _socket.SendAsync(_silence, WebSocketMessageType.Binary, true, cancellationToken);
                await PaceAsync(started, ++chunk, cancellationToken);
            }

            _awaiting = false;
            var timings = await _completed.Task;
            var session = Stopwatch.GetElapsedTime(end, await _firstFrame.Task).TotalMilliseconds - timings.SttMs;
            var client = Stopwatch.GetElapsedTime(end, await _firstAudioAtClient.Task).TotalMilliseconds - timings.SttMs;

            // The answer plays out (half a second of open microphone) before the next question.
            for (var i = 0; i < 5; i++)
            {
                await _socket.SendAsync(_silence, WebSocketMessageType.Binary, true, cancellationToken);
                await PaceAsync(started, ++chunk, cancellationToken);
            }

            return (session, client);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
                await _reading.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException)
            {
                _socket.Abort();
            }

            if (_listening is not null)
            {
                await _listening.DisposeAsync();
            }

            _socket.Dispose();
        }

        private static async Task PaceAsync(long started, int chunks, CancellationToken cancellationToken)
        {
            var due = TimeSpan.FromMilliseconds(chunks * 100) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
        }

        private Task ObserveAsync(SessionOutputEvent item)
        {
            if (_awaiting)
            {
                _ = Observe(item, _firstFrame, _completed);
            }

            return Task.CompletedTask;
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        Interlocked.Exchange(ref _lastAudioAt, Stopwatch.GetTimestamp());
                        if (_awaiting)
                        {
                            _firstAudioAtClient.TrySetResult(Stopwatch.GetTimestamp());
                        }
                    }
                    else if (result.MessageType == WebSocketMessageType.Text && Encoding.UTF8.GetString(buffer, 0, result.Count).StartsWith("{\"event\":\"error\"", StringComparison.Ordinal))
                    {
                        Console.Error.WriteLine("live socket error: " + Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            catch (WebSocketException)
            {
            }
        }
    }

    /// <summary>A tone question as 16 kHz mono 16-bit PCM bytes, and as a WAV.</summary>
    public static (byte[] Pcm, byte[] Wav) Question(PcmAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var bytes = new byte[audio.Samples.Length * 2];
        Buffer.BlockCopy(audio.Samples, 0, bytes, 0, bytes.Length);
        return (bytes, WavCodec.Encode(audio));
    }
}
