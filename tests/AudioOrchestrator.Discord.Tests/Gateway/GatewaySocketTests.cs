using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using AudioOrchestrator.Discord.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AudioOrchestrator.Discord.Tests.Gateway;

/// <summary>The connection alone, against a loopback WebSocket server that plays a fixed script.</summary>
public sealed class GatewaySocketTests
{
    private static readonly DiscordOptions Options = new() { Token = "secret-token", MaxMessageBytes = 1024 };

    [Fact]
    public async Task Oversized_and_binary_messages_are_reported_and_the_next_message_is_whole()
    {
        var serverReceived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ScriptedServer.StartAsync(async socket =>
        {
            await socket.SendAsync(new byte[5000], WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"op\":"), WebSocketMessageType.Text, false, CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes("11}"), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
            var buffer = new byte[256];
            var got = await socket.ReceiveAsync(buffer, CancellationToken.None);
            serverReceived.SetResult(Encoding.UTF8.GetString(buffer, 0, got.Count));
            await socket.CloseOutputAsync((WebSocketCloseStatus)4004, "Authentication failed.", CancellationToken.None);
            await socket.ReceiveAsync(buffer, CancellationToken.None);
        });
        using var connection = new GatewaySocket(0, Options, TimeProvider.System, NullLogger.Instance, TestContext.Current.CancellationToken);
        await connection.ConnectAsync(server.Url);
        var buffer = new ArrayBufferWriter<byte>();

        Assert.Equal(GatewayMessageKind.TooLarge, await connection.ReceiveAsync(buffer, connection.Token));
        Assert.Equal(GatewayMessageKind.Text, await connection.ReceiveAsync(buffer, connection.Token));
        Assert.Equal("{\"op\":11}", Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(GatewayMessageKind.Binary, await connection.ReceiveAsync(buffer, connection.Token));

        await connection.SendAsync(Encoding.UTF8.GetBytes("{\"op\":1,\"d\":null}"), priority: true, connection.Token);
        Assert.Equal("{\"op\":1,\"d\":null}", await serverReceived.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Assert.Equal(GatewayMessageKind.Close, await connection.ReceiveAsync(buffer, connection.Token));
        Assert.Equal((4004, "Authentication failed."), connection.CloseStatus);
        await connection.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null);
    }

    [Fact]
    public async Task A_connection_dropped_without_a_close_frame_has_no_close_code()
    {
        // The server drops the connection once the client has spoken on it (so the upgrade itself has completed).
        await using var server = await ScriptedServer.StartAsync(async socket =>
        {
            await socket.ReceiveAsync(new byte[64], CancellationToken.None);
            socket.Abort();
        });
        using var connection = new GatewaySocket(0, Options, TimeProvider.System, NullLogger.Instance, TestContext.Current.CancellationToken);
        await connection.ConnectAsync(server.Url);
        await connection.SendAsync("{\"op\":1,\"d\":null}"u8.ToArray(), priority: true, connection.Token);

        await Assert.ThrowsAsync<WebSocketException>(() => connection.ReceiveAsync(new ArrayBufferWriter<byte>(), connection.Token));
        Assert.Null(connection.CloseStatus.Code);

        // Closing a dead socket neither throws nor hangs.
        await connection.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null);
    }

    [Fact]
    public async Task Closing_from_our_side_keeps_the_socket_until_the_server_answers_so_it_reads_our_code()
    {
        var time = new FakeTimeProvider();
        var serverRead = new TaskCompletionSource<WebSocketReceiveResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ScriptedServer.StartAsync(async socket =>
        {
            var result = await socket.ReceiveAsync(new byte[256], CancellationToken.None);
            serverRead.SetResult(result);
            await answer.Task;
            await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.Empty, null, CancellationToken.None);
        });
        using var connection = new GatewaySocket(0, Options, time, NullLogger.Instance, TestContext.Current.CancellationToken);
        await connection.ConnectAsync(server.Url);

        var closing = connection.CloseAsync((WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "reconnect requested");
        var read = await serverRead.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(WebSocketMessageType.Close, read.MessageType);
        Assert.Equal(GatewayCloseCodes.ClientResumeClose, (int?)read.CloseStatus);

        // The clock stands still, so only the server's close frame can end the close.
        Assert.False(closing.IsCompleted);
        answer.SetResult();
        await closing.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(GatewayCloseCodes.ClientResumeClose, connection.CloseStatus.Code);
    }

    [Fact]
    public async Task Closing_from_our_side_gives_up_after_two_seconds_without_an_answer()
    {
        var time = new FakeTimeProvider();
        var serverRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ScriptedServer.StartAsync(async socket =>
        {
            await socket.ReceiveAsync(new byte[256], CancellationToken.None);
            serverRead.SetResult();
            await release.Task;
        });
        using var connection = new GatewaySocket(0, Options, time, NullLogger.Instance, TestContext.Current.CancellationToken);
        await connection.ConnectAsync(server.Url);
        try
        {
            var closing = connection.CloseAsync((WebSocketCloseStatus)GatewayCloseCodes.ClientResumeClose, "reconnect requested");
            await serverRead.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
            Assert.False(closing.IsCompleted);
            time.Advance(TimeSpan.FromMilliseconds(1));

            // Neither throws nor hangs.
            await closing.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            Assert.Null(connection.CloseStatus.Code);
        }
        finally
        {
            release.SetResult();
        }
    }

    private sealed class ScriptedServer(WebApplication app, Uri url) : IAsyncDisposable
    {
        public Uri Url { get; } = url;

        public static async Task<ScriptedServer> StartAsync(Func<WebSocket, Task> script)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.UseWebSockets();
            app.Run(async context =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await script(socket);
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ScriptedServer(app, new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/"));
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
