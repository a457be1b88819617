using System.Globalization;
using System.Threading.Channels;

namespace AudioOrchestrator.Load;

/// <summary>
/// A person taking turns, driven by the <see cref="Pacer"/> every 20 ms: a pause, a question (one of the clips), then
/// quiet until the answer has been heard and has played out, a pause again. The frames go out through a per-speaker
/// queue so a slow send never holds the pacer; what the queue holds is the harness' own lag.
/// </summary>
internal abstract class SimulatedSpeaker : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PlayedOut = TimeSpan.FromMilliseconds(400);

    private readonly Channel<OutgoingFrame> _outgoing = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly IReadOnlyList<SpeechClip> _clips;
    private readonly TurnLog _log;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _sending = Task.CompletedTask;
    private Phase _phase = Phase.Pause;
    private int _queued;
    private int _ticksLeft;
    private SpeechClip? _clip;
    private int _frame;
    private int _trailing;
    private DateTimeOffset _spokenAt;
    private double _sendLagMs;
    private DateTimeOffset _awaitingSince;
    private DateTimeOffset? _firstAudio;
    private DateTimeOffset _lastAudio;
    private (DateTimeOffset EndOfUtteranceAt, double InSiloMs)? _completed;
    private int _turns;
    private readonly int _seed;

    protected SimulatedSpeaker(IReadOnlyList<SpeechClip> clips, TurnLog log, int seed)
    {
        _clips = clips;
        _log = log;
        _random = new Random(seed);
        _seed = seed;
        _ticksLeft = _random.Next(0, 150);
    }

    private enum Phase
    {
        Pause,
        Speaking,
        Awaiting,
    }

    public abstract string Transport { get; }

    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Frames sent during silence: Discord clients send five silence frames after speech and then nothing; an open microphone sends silence throughout.</summary>
    protected abstract bool SendsSilence { get; }

    public void StartSending() => _sending = Task.Run(SendLoopAsync);

    /// <summary>Whether the speaker has been waiting for an answer for longer than <paramref name="wait"/>.</summary>
    public bool AwaitingLongerThan(TimeSpan wait)
    {
        lock (_gate)
        {
            return _phase == Phase.Awaiting && DateTimeOffset.UtcNow - _awaitingSince > wait;
        }
    }

    /// <summary>Called by the pacer every 20 ms, <paramref name="late"/> after the tick was due.</summary>
    public void Tick(TimeSpan late)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            switch (_phase)
            {
                case Phase.Pause when --_ticksLeft <= 0:
                    _clip = _clips[_random.Next(_clips.Count)];
                    _frame = 0;
                    _sendLagMs = 0;
                    _phase = Phase.Speaking;
                    goto case Phase.Speaking;
                case Phase.Pause:
                    Quiet();
                    break;
                case Phase.Speaking:
                    var last = _frame == _clip!.Frames - 1;
                    Enqueue(new OutgoingFrame(_clip, _frame++, last, now - late));
                    if (last)
                    {
                        _phase = Phase.Awaiting;
                        _awaitingSince = now;
                        _firstAudio = null;
                        _completed = null;
                        _trailing = 0;
                    }

                    break;
                case Phase.Awaiting:
                    Quiet();
                    if (_firstAudio is { } first && _completed is { } done && now - _lastAudio > PlayedOut)
                    {
                        _log.Add(new TurnSample(Transport, _turns++, _spokenAt, true, (first - done.EndOfUtteranceAt).TotalMilliseconds, done.InSiloMs, (done.EndOfUtteranceAt - _spokenAt).TotalMilliseconds, _sendLagMs, _seed));
                        NextPause();
                    }
                    else if (now - _awaitingSince > AnswerTimeout)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  unanswered: {Transport} speaker {_seed} turn {_turns} spoken at {_spokenAt.UtcDateTime:HH:mm:ss.fff}: answer audio {(_firstAudio is { } heard ? $"heard at {heard.UtcDateTime:HH:mm:ss.fff}" : "never heard")}, completion {(_completed is { } seen ? $"seen (end of utterance {seen.EndOfUtteranceAt.UtcDateTime:HH:mm:ss.fff})" : "never seen")}"));
                        _log.Add(new TurnSample(Transport, _turns++, _spokenAt, false, double.NaN, double.NaN, double.NaN, _sendLagMs, _seed));
                        NextPause();
                    }

                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _stop.CancelAsync();
        await _sending.ContinueWith(_ => { }, TaskScheduler.Default);
        await DisposeCoreAsync();
        _stop.Dispose();
    }

    protected abstract ValueTask SendSpeechAsync(SpeechClip clip, int frame, CancellationToken cancellationToken);

    protected abstract ValueTask SendSilenceAsync(CancellationToken cancellationToken);

    protected abstract ValueTask DisposeCoreAsync();

    /// <summary>A frame of the answer arrived (not silence).</summary>
    protected void OnAnswerAudio()
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            _lastAudio = now;
            if (_phase == Phase.Awaiting && _firstAudio is null)
            {
                _firstAudio = now;
            }
        }
    }

    /// <summary>The session reported the answer complete, with its stage timings.</summary>
    protected void OnAnswerCompleted(DateTimeOffset endOfUtteranceAt, double inSiloMs)
    {
        lock (_gate)
        {
            if (_phase == Phase.Awaiting)
            {
                _completed = (endOfUtteranceAt, inSiloMs);
            }
        }
    }

    private void Quiet()
    {
        if (SendsSilence || _trailing < 5)
        {
            _trailing++;
            Enqueue(new OutgoingFrame(null, 0, false, default));
        }
    }

    private void Enqueue(OutgoingFrame frame)
    {
        if (_outgoing.Writer.TryWrite(frame))
        {
            Interlocked.Increment(ref _queued);
        }
    }

    private void NextPause()
    {
        _phase = Phase.Pause;
        _ticksLeft = _random.Next(50, 150);
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outgoing.Reader.ReadAllAsync(_stop.Token))
            {
                Interlocked.Decrement(ref _queued);
                if (frame.Clip is null)
                {
                    await SendSilenceAsync(_stop.Token);
                    continue;
                }

                await SendSpeechAsync(frame.Clip, frame.Index, _stop.Token);
                var sent = DateTimeOffset.UtcNow;
                lock (_gate)
                {
                    _sendLagMs = Math.Max(_sendLagMs, (sent - frame.DueAt).TotalMilliseconds);
                    if (frame.Last)
                    {
                        _spokenAt = sent;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            Console.Error.WriteLine($"{Transport} speaker stopped sending: {ex.Message}");
        }
    }

    private sealed record OutgoingFrame(SpeechClip? Clip, int Index, bool Last, DateTimeOffset DueAt);
}
