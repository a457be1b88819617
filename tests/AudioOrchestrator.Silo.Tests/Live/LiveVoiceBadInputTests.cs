using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using AudioOrchestrator.Testing;

namespace AudioOrchestrator.Silo.Tests.Live;

/// <summary>
/// Bad input and limits on the live voice WebSocket, against the real service: each is a clean close with its code and
/// a reason (and an <c>error</c> event before it), while a good socket of the same session and the session go on.
/// </summary>
[Collection(LiveVoiceCollection.Name)]
public sealed class LiveVoiceBadInputTests(LiveVoiceFixture service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string, WebSocketCloseStatus, string> BadMessages => new()
    {
        // subprotocol, text (null) or binary (hex) to send, what, expected close, part of the reason
        { "pcm16", "hex:52494646240000005741564566" + "6d7420", "a WAV header", WebSocketCloseStatus.InvalidMessageType, "WAV" },
        { "pcm16", "bin:{\"type\":\"hello\"}", "JSON sent as binary", WebSocketCloseStatus.InvalidMessageType, "JSON" },
        { "pcm16", "hex:000102", "odd-length PCM", WebSocketCloseStatus.InvalidPayloadData, "16-bit" },
        { "opus", "hex:03", "an Opus packet that does not parse", WebSocketCloseStatus.InvalidPayloadData, "Opus" },
        { "opus", "hex:18aabbccdd", "a 60 ms Opus packet", WebSocketCloseStatus.InvalidPayloadData, "20 ms" },
        { "pcm16", "txt:{not json", "malformed JSON", WebSocketCloseStatus.InvalidPayloadData, "JSON" },
        { "pcm16", "txt:{\"type\":\"dance\"}", "an unknown control type", WebSocketCloseStatus.InvalidMessageType, "dance" },
        { "pcm16", "txt:{\"type\":\"hello\",\"format\":\"pcm16\",\"sampleRate\":44100,\"channels\":1}", "a wrong sample rate", WebSocketCloseStatus.InvalidMessageType, "16000 Hz mono; got 44100 Hz" },
        { "opus", "txt:{\"type\":\"hello\",\"format\":\"pcm16\"}", "another format than the subprotocol's", WebSocketCloseStatus.InvalidMessageType, "opus" },
        { "pcm16", "big:5000", "a message over LiveVoice:MaxMessageBytes", WebSocketCloseStatus.MessageTooBig, "4096" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task A_bad_message_closes_its_socket_with_a_code_and_reason_and_nothing_else(string subprotocol, string message, string what, WebSocketCloseStatus expected, string reason)
    {
        await service.NoSocketsAsync();
        var session = "bad-" + Guid.NewGuid().ToString("N")[..8];
        await using var good = await service.ConnectAsync(session, "speaker=good", "pcm16");
        await good.EventAsync("ready");
        await using var bad = await service.ConnectAsync(session, "speaker=bad", subprotocol);
        await bad.EventAsync("ready");

        var (kind, payload) = (message[..4], message[4..]);
        switch (kind)
        {
            case "txt:":
                await bad.SendTextAsync(payload, Ct);
                break;
            case "bin:":
                await bad.SendBinaryAsync(Encoding.UTF8.GetBytes(payload), Ct);
                break;
            case "hex:":
                await bad.SendBinaryAsync(Convert.FromHexString(payload), Ct);
                break;
            default:
                await bad.SendBinaryAsync(new byte[int.Parse(payload, System.Globalization.CultureInfo.InvariantCulture)], Ct);
                break;
        }

        var (status, text) = await bad.ClosedAsync();
        Assert.True(status == expected, $"{what}: closed with {status} '{text}', expected {expected}");
        Assert.Contains(reason, text, StringComparison.Ordinal);
        var error = await bad.EventAsync("error");
        Assert.Equal(text, error.Data.GetProperty("message").GetString());

        // The session and its other socket go on.
        await service.AskAsync(session, "echo still here");
        var started = await good.EventAsync("answerStarted", d => d.GetProperty("transcript").GetString() == "echo still here");
        Assert.Equal("typist", started.Data.GetProperty("speakerId").GetString());
        Assert.Null(good.CloseStatus);
    }

    public static TheoryData<string, string?, string?, string> BadRequests => new()
    {
        // session, query, subprotocol, part of the reason
        { "bad$id", "speaker=ana", "pcm16", "invalid session id" },
        { "fine", null, "pcm16", "speaker" },
        { "fine", "speaker=a/b", "pcm16", "speaker" },
        { "fine", "speaker=ana&speaker=bob", "pcm16", "speaker" },
        { "fine", "speaker=ana&wake=sometimes", "pcm16", "wake" },
        { "fine", "speaker=ana&color=blue", "pcm16", "unknown query parameter 'color'" },
        { "fine", "speaker=ana", null, "subprotocol" },
        { "fine", "speaker=ana", "wav", "subprotocol" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_is_accepted_then_closed_with_1008_and_a_reason(string session, string? query, string? subprotocol, string reason)
    {
        await service.NoSocketsAsync();
        LiveTestClient client;
        try
        {
            client = await service.ConnectAsync(session + "-" + Guid.NewGuid().ToString("N")[..6], query, subprotocol);
        }
        catch (WebSocketException) when (subprotocol == "wav")
        {
            // .NET's client refuses a handshake without the subprotocol it asked for (as browsers do): nothing to read then.
            return;
        }

        await using (client)
        {
            var (status, text) = await client.ClosedAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Contains(reason, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_second_socket_for_the_same_speaker_is_refused_and_the_first_goes_on()
    {
        await service.NoSocketsAsync();
        var session = "dup-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await service.ConnectAsync(session, "speaker=ana", "pcm16");
        await first.EventAsync("ready");
        await using var second = await service.ConnectAsync(session, "speaker=ana", "opus");

        var (status, text) = await second.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("already connected", text, StringComparison.Ordinal);
        await service.AskAsync(session, "echo first one");
        await first.EventAsync("answerStarted");
        Assert.Null(first.CloseStatus);
    }

    [Fact]
    public async Task Sockets_over_the_per_session_and_per_process_limits_are_told_to_try_again_later()
    {
        await service.NoSocketsAsync();
        var one = "cap-" + Guid.NewGuid().ToString("N")[..8];
        var two = "cap-" + Guid.NewGuid().ToString("N")[..8];
        var open = new List<LiveTestClient>();
        try
        {
            for (var i = 0; i < LiveVoiceFixture.MaxSocketsPerSession; i++)
            {
                open.Add(await service.ConnectAsync(one, $"speaker=s{i}", "pcm16"));
                await open[^1].EventAsync("ready"); // registered
            }

            await using (var extra = await service.ConnectAsync(one, "speaker=extra", "pcm16"))
            {
                var (status, text) = await extra.ClosedAsync();
                Assert.Equal((WebSocketCloseStatus)1013, status);
                Assert.Contains("session", text, StringComparison.Ordinal);
            }

            for (var i = LiveVoiceFixture.MaxSocketsPerSession; i < LiveVoiceFixture.MaxSocketsPerProcess; i++)
            {
                open.Add(await service.ConnectAsync(two + i.ToString(System.Globalization.CultureInfo.InvariantCulture), $"speaker=s{i}", "pcm16"));
                await open[^1].EventAsync("ready");
            }

            await using (var extra = await service.ConnectAsync("cap-other", "speaker=extra", "opus"))
            {
                var (status, text) = await extra.ClosedAsync();
                Assert.Equal((WebSocketCloseStatus)1013, status);
                Assert.Contains("server", text, StringComparison.Ordinal);
            }

            foreach (var client in open)
            {
                await client.EventAsync("ready");
                Assert.Null(client.CloseStatus);
            }
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_plain_GET_is_a_400_problem()
    {
        using var response = await service.Http.GetAsync("/api/v1/sessions/plain/live?speaker=ana", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_never_reads_is_aborted_and_the_session_and_its_other_socket_go_on()
    {
        await service.NoSocketsAsync();
        var session = "deaf-" + Guid.NewGuid().ToString("N")[..8];
        await using var listener = await service.ConnectAsync(session, "speaker=listener", "pcm16");
        await listener.EventAsync("ready");

        // A tiny receive buffer, and never a read: the server's sends stall once the buffers are full.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        await using var deaf = await service.ConnectAsync(session, "speaker=deaf", "pcm16", reading: false, invoker: invoker);
        await TestWait.UntilAsync(() => service.Registry.Open == 2, "both sockets open");

        // Long spoken answers: their audio goes to every socket of the session.
        var words = string.Join(' ', Enumerable.Repeat("one two three four five six seven eight nine ten", 4));
        for (var i = 0; i < 6 && service.Registry.Open == 2; i++)
        {
            await service.AskAsync(session, "echo " + words, speak: true);
            try
            {
                await TestWait.UntilAsync(() => service.Registry.Open == 1, "the client that never reads to be aborted", TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException) when (i < 5)
            {
                // its buffers are not full yet: another answer
            }
        }

        Assert.Equal(1, service.Registry.Open);
        Assert.Contains(service.Logs.Lines, l => l.Contains("Live socket aborted: the client does not read", StringComparison.Ordinal));

        // The session and the socket that reads go on.
        await service.AskAsync(session, "echo still listening");
        await listener.EventAsync("answerStarted", d => d.GetProperty("transcript").GetString() == "echo still listening");
        Assert.Null(listener.CloseStatus);
    }
}

/// <summary>A socket on which nothing is received is closed after <c>LiveVoice:IdleTimeout</c> (1 s here) with 1001.</summary>
public sealed class LiveVoiceIdleTests(LiveIdleFixture service) : IClassFixture<LiveIdleFixture>
{
    [Fact]
    public async Task An_idle_socket_is_closed_with_1001_and_says_why()
    {
        await using var idle = await LiveTestClient.ConnectAsync(service.Http.BaseAddress!, "idle-" + Guid.NewGuid().ToString("N")[..8], "speaker=ana", "pcm16", TestContext.Current.CancellationToken);

        var (status, text) = await idle.ClosedAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Contains("idle", text, StringComparison.Ordinal);
        var error = await idle.EventAsync("error");
        Assert.Equal("idleTimeout", error.Data.GetProperty("code").GetString());
    }
}
