using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests.Live;

/// <summary>
/// A live voice client as a program would write one with .NET's <see cref="ClientWebSocket"/>: connects with a
/// subprotocol, keeps reading in the background (text messages parsed as events, binary messages kept as audio), and
/// answers the server's close. <c>reading: false</c> makes a client that never reads.
/// </summary>
public sealed class LiveTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentQueue<LiveEvent> _events = new();
    private readonly ConcurrentQueue<byte[]> _audio = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private long _audioBytes;

    private LiveTestClient()
    {
    }

    public IReadOnlyCollection<LiveEvent> Events => _events;

    /// <summary>Binary messages received, in order.</summary>
    public IReadOnlyCollection<byte[]> Audio => _audio;

    public long AudioBytes => Interlocked.Read(ref _audioBytes);

    public WebSocket Socket => _socket;

    /// <summary>The server's close status, once its close frame arrived.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseReason { get; private set; }

    /// <summary>The receive loop ended without a close frame (the server aborted the connection).</summary>
    public bool Aborted { get; private set; }

    public static Uri LiveUri(Uri httpBase, string session, string? query)
    {
        ArgumentNullException.ThrowIfNull(httpBase);
        var builder = new UriBuilder(new Uri(httpBase, $"/api/v1/sessions/{session}/live")) { Scheme = "ws", Query = query ?? "" };
        return builder.Uri;
    }

    public static async Task<LiveTestClient> ConnectAsync(Uri httpBase, string session, string? query, string? subprotocol, CancellationToken cancellationToken, bool reading = true, HttpMessageInvoker? invoker = null)
    {
        var client = new LiveTestClient();
        if (subprotocol is not null)
        {
            client._socket.Options.AddSubProtocol(subprotocol);
        }

        await client._socket.ConnectAsync(LiveUri(httpBase, session, query), invoker, cancellationToken);
        if (reading)
        {
            client._reading = Task.Run(client.ReadAsync, CancellationToken.None);
        }

        return client;
    }

    public Task SendTextAsync(string json, CancellationToken cancellationToken) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cancellationToken);

    public Task SendBinaryAsync(byte[] data, CancellationToken cancellationToken) =>
        _socket.SendAsync(data, WebSocketMessageType.Binary, true, cancellationToken);

    /// <summary>Sends 16 kHz mono PCM as the microphone gives it: 100 ms chunks at real time.</summary>
    public async Task SpeakPcmAsync(short[] pcm16k, CancellationToken cancellationToken)
    {
        const int Chunk = 1600;
        var started = DateTime.UtcNow;
        for (var offset = 0; offset < pcm16k.Length; offset += Chunk)
        {
            var count = Math.Min(Chunk, pcm16k.Length - offset);
            var bytes = new byte[count * 2];
            Buffer.BlockCopy(pcm16k, offset * 2, bytes, 0, bytes.Length);
            await SendBinaryAsync(bytes, cancellationToken);
            var due = started + TimeSpan.FromSeconds((offset + count) / 16000.0) - DateTime.UtcNow;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
        }
    }

    /// <summary>Sends 20 ms Opus packets at real time.</summary>
    public async Task SpeakOpusAsync(IReadOnlyList<byte[]> packets, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        for (var i = 0; i < packets.Count; i++)
        {
            await SendBinaryAsync(packets[i], cancellationToken);
            var due = started + TimeSpan.FromMilliseconds((i + 1) * 20) - DateTime.UtcNow;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
        }
    }

    public Task<LiveEvent> EventAsync(string name, TimeSpan? timeout = null) => EventAsync(name, _ => true, timeout);

    public Task<LiveEvent> EventAsync(string name, Func<JsonElement, bool> where, TimeSpan? timeout = null) =>
        TestWait.ForAsync(
            () => _events.FirstOrDefault(e => e.Name == name && where(e.Data)),
            () => $"event '{name}' (got: {string.Join(", ", _events.Select(e => e.Name))}; close {CloseStatus} {CloseReason})",
            timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Waits for the server's close frame; returns its status and reason.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason)> ClosedAsync(TimeSpan? timeout = null)
    {
        await TestWait.ForAsync(_reading.ContinueWith(_ => true, TaskScheduler.Default), "the socket to close", timeout);
        return (CloseStatus, CloseReason);
    }

    /// <summary>Closes from the client side (if still open) and stops reading.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }

            await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException)
        {
            _socket.Abort();
        }

        await _stop.CancelAsync();
        _stop.Dispose();
        _socket.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    CloseReason = result.CloseStatusDescription;
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var bytes = message.ToArray();
                message.SetLength(0);
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    _audio.Enqueue(bytes);
                    Interlocked.Add(ref _audioBytes, bytes.Length);
                }
                else
                {
                    using var document = JsonDocument.Parse(bytes);
                    var root = document.RootElement;
                    _events.Enqueue(new LiveEvent(
                        root.GetProperty("event").GetString()!,
                        root.GetProperty("data").Clone(),
                        root.TryGetProperty("id", out var id) ? id.GetString() : null));
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            Aborted = CloseStatus is null;
        }
    }
}

/// <summary>A text message from the server.</summary>
public sealed record LiveEvent(string Name, JsonElement Data, string? Id);
