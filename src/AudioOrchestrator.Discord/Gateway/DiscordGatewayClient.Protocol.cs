using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AudioOrchestrator.Discord.Gateway;

/// <summary>One connection's protocol: Hello, Identify or Resume, heartbeats, and what each opcode does.</summary>
public sealed partial class DiscordGatewayClient
{
    private async Task<GatewayConnectionOutcome> RunConnectionAsync(GatewayResumePoint? resume, IdentifyLease? identifyLease, CancellationToken stop)
    {
        var url = WithGatewayQuery(resume?.ResumeUrl ?? _gatewayUrl);
        _state = GatewayConnectionState.Connecting;
        using var connection = new GatewaySocket(Shard.Id, _options, _time, _logger, stop);
        LogConnecting(Shard.Id, url.GetLeftPart(UriPartial.Path), resume is not null);
        await connection.ConnectAsync(url).ConfigureAwait(false);
        Statistics.Connected();
        lock (_gate)
        {
            _current = connection;
        }

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        Task? heartbeatLoop = null;
        GatewayHeartbeat? heartbeat = null;
        using var helloTimeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        try
        {
            while (true)
            {
                var received = heartbeat is null
                    ? await ReceiveHelloAsync(connection, buffer, helloTimeout.Token).ConfigureAwait(false)
                    : await connection.ReceiveAsync(buffer, connection.Token).ConfigureAwait(false);
                switch (received)
                {
                    case null:
                        return new GatewayConnectionOutcome(GatewayCloseAction.Resume, "no Hello", null, false);
                    case GatewayMessageKind.Close:
                        return await OnServerCloseAsync(connection).ConfigureAwait(false);
                    case GatewayMessageKind.TooLarge:
                        ReportMalformed("message larger than MaxMessageBytes", ReadOnlySpan<byte>.Empty);
                        continue;
                    case GatewayMessageKind.Binary:
                        ReportMalformed("binary message (compression is not requested)", ReadOnlySpan<byte>.Empty);
                        continue;
                }

                var message = ReadMessage(buffer.WrittenMemory);
                if (message is not { } m)
                {
                    continue;
                }

                using (m.Document)
                {
                    if (m.Op == GatewayOpCode.Hello && heartbeat is null)
                    {
                        heartbeat = await OnHelloAsync(connection, m.Document.RootElement, buffer.WrittenMemory, resume, identifyLease).ConfigureAwait(false);
                        heartbeatLoop = heartbeat is null ? null : HeartbeatLoopAsync(connection, heartbeat);
                        continue;
                    }

                    var outcome = await OnOpcodeAsync(connection, heartbeat, m.Op, m.Document.RootElement, buffer.WrittenMemory).ConfigureAwait(false);
                    if (outcome is not null)
                    {
                        return outcome;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (connection.Outcome is { } outcome)
        {
            return outcome;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
        catch (WebSocketException ex)
        {
            return new GatewayConnectionOutcome(GatewayCloseAction.Resume, "connection lost: " + ex.Message, null, connection.ReachedSession);
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_current, connection))
                {
                    _current = null;
                }

                if (_readyConnection.Task.IsCompletedSuccessfully && ReferenceEquals(_readyConnection.Task.Result, connection))
                {
                    _readyConnection = NewReadySource();
                }
            }

            await connection.CancelAsync().ConfigureAwait(false);
            if (heartbeatLoop is not null)
            {
                try
                {
                    await heartbeatLoop.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
                {
                }
            }
        }
    }

    /// <summary>Receives the first message, which must come within the connect timeout; null if it does not.</summary>
    private static async Task<GatewayMessageKind?> ReceiveHelloAsync(GatewaySocket connection, ArrayBufferWriter<byte> buffer, CancellationToken helloTimeout)
    {
        using var helloCts = CancellationTokenSource.CreateLinkedTokenSource(connection.Token, helloTimeout);
        try
        {
            return await connection.ReceiveAsync(buffer, helloCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (helloTimeout.IsCancellationRequested && !connection.Token.IsCancellationRequested)
        {
            return null;
        }
    }

    private (JsonDocument Document, GatewayOpCode Op)? ReadMessage(ReadOnlyMemory<byte> message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            ReportMalformed("invalid JSON", message.Span);
            return null;
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("op", out var opElement)
            || opElement.ValueKind != JsonValueKind.Number
            || !opElement.TryGetInt32(out var op))
        {
            document.Dispose();
            ReportMalformed("no integer op", message.Span);
            return null;
        }

        return (document, (GatewayOpCode)op);
    }

    /// <summary>Hello: starts the heartbeat and sends Resume or Identify. Null (and the message dropped) without a valid interval.</summary>
    private async Task<GatewayHeartbeat?> OnHelloAsync(GatewaySocket connection, JsonElement root, ReadOnlyMemory<byte> raw, GatewayResumePoint? resume, IdentifyLease? identifyLease)
    {
        if (!root.TryGetProperty("d", out var hello) || hello.ValueKind != JsonValueKind.Object
            || !hello.TryGetProperty("heartbeat_interval", out var intervalElement)
            || !intervalElement.TryGetDouble(out var intervalMs) || intervalMs <= 0 || intervalMs > int.MaxValue)
        {
            ReportMalformed("Hello without a valid heartbeat_interval", raw.Span);
            return null;
        }

        LogHello(Shard.Id, (long)intervalMs);
        var heartbeat = new GatewayHeartbeat(TimeSpan.FromMilliseconds(intervalMs), _time, Random.Shared, async ct =>
        {
            await connection.SendAsync(GatewayPayloads.Heartbeat(LastSequence), priority: true, ct).ConfigureAwait(false);
            Statistics.HeartbeatSent();
        });
        if (resume is not null)
        {
            _state = GatewayConnectionState.Resuming;
            var sequence = LastSequence ?? 0;
            await connection.SendAsync(GatewayPayloads.Resume(_options.Token, resume.SessionId, sequence), priority: true, connection.Token)
                .ConfigureAwait(false);
            Statistics.Resumed();
            LogResuming(Shard.Id, resume.SessionId, sequence);
        }
        else
        {
            _state = GatewayConnectionState.Identifying;
            var identify = GatewayPayloads.Identify(
                _options.Token, _options.Intents, Shard, _options.OsProperty, _options.BrowserProperty, _options.DeviceProperty);
            await connection.SendAsync(identify, priority: true, connection.Token).ConfigureAwait(false);
            // The bucket's next Identify waits a window from now; the other shards of the bucket may queue for it.
            identifyLease?.Sent();
            identifyLease?.Dispose();
            Statistics.Identified();
            LogIdentifying(Shard.Id, Shard.Count, _options.Intents);
        }

        return heartbeat;
    }

    /// <summary>Every opcode after Hello; returns how the connection ends, or null to go on.</summary>
    private async Task<GatewayConnectionOutcome?> OnOpcodeAsync(GatewaySocket connection, GatewayHeartbeat? heartbeat, GatewayOpCode op, JsonElement root, ReadOnlyMemory<byte> raw)
    {
        switch (op)
        {
            case GatewayOpCode.Hello:
                return null;

            case GatewayOpCode.HeartbeatAck:
                Acknowledged(heartbeat?.Acknowledge());
                Statistics.HeartbeatAck();
                return null;

            case GatewayOpCode.Heartbeat:
                if (heartbeat is not null)
                {
                    await heartbeat.BeatAsync(connection.Token).ConfigureAwait(false);
                }

                return null;

            case GatewayOpCode.Reconnect:
                LogReconnectRequested(Shard.Id);

                // The closing handshake, not just our close frame: with the socket dropped right after the frame, the
                // server could see the connection end before it read the frame (an abnormal closure, not our 4000).
                await connection.CloseAsync((WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "reconnect requested").ConfigureAwait(false);
                return new GatewayConnectionOutcome(GatewayCloseAction.Resume, "Reconnect (op 7)", null, connection.ReachedSession);

            case GatewayOpCode.InvalidSession:
                var resumable = root.TryGetProperty("d", out var d) && d.ValueKind == JsonValueKind.True;
                LogInvalidSession(Shard.Id, resumable);
                await connection.CloseAsync((WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "invalid session").ConfigureAwait(false);
                return resumable
                    ? new GatewayConnectionOutcome(GatewayCloseAction.Resume, "Invalid Session (resumable)", null, connection.ReachedSession)
                    : new GatewayConnectionOutcome(GatewayCloseAction.Reidentify, "Invalid Session", null, connection.ReachedSession, MinimumDelay: _reconnect.InvalidSessionDelay());

            case GatewayOpCode.Dispatch:
                OnDispatch(connection, root, raw.Span);
                return null;

            default:
                Statistics.UnknownOpcode();
                if (_unknownOpLog.ShouldLog(out var suppressed))
                {
                    LogUnknownOpcode(Shard.Id, (int)op, suppressed);
                }

                return null;
        }
    }

    private async Task<GatewayConnectionOutcome> OnServerCloseAsync(GatewaySocket connection)
    {
        var (code, description) = connection.CloseStatus;

        // Finish the closing handshake by echoing the code.
        await connection.CloseOutputAsync(code is { } c ? (WebSocketCloseStatus)c : WebSocketCloseStatus.Empty, null).ConfigureAwait(false);
        var action = GatewayCloseCodes.Classify(code);
        if (IsStopping)
        {
            LogStopAcknowledged(Shard.Id, code ?? 0);
        }
        else
        {
            LogServerClosed(Shard.Id, code ?? 0, GatewayCloseCodes.Describe(code), description);
        }

        return new GatewayConnectionOutcome(action, "closed by Discord (" + GatewayCloseCodes.Describe(code) + ")", code, connection.ReachedSession);
    }

    private async Task HeartbeatLoopAsync(GatewaySocket connection, GatewayHeartbeat heartbeat)
    {
        await heartbeat.RunUntilAckMissingAsync(connection.Token).ConfigureAwait(false);
        Statistics.Zombie();
        LogZombie(Shard.Id, (long)heartbeat.Interval.TotalMilliseconds);
        connection.Outcome = new GatewayConnectionOutcome(GatewayCloseAction.Resume, "no Heartbeat ACK (zombie connection)", null, connection.ReachedSession);
        await connection.CloseOutputAsync((WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "heartbeat ACK missing").ConfigureAwait(false);
        await connection.CancelAsync().ConfigureAwait(false);
    }

    private void ReportMalformed(string reason, ReadOnlySpan<byte> raw)
    {
        Statistics.Malformed();
        if (_malformedLog.ShouldLog(out var suppressed))
        {
            var sample = raw.IsEmpty ? string.Empty : Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, 160)]);
            LogMalformed(Shard.Id, reason, GatewayPayloads.Redact(sample, _options.Token), suppressed);
        }
    }
}
