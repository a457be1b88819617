using AudioOrchestrator.McpTestServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Grains.Tests.LanguageModels;

/// <summary>The test MCP server's tools over streamable HTTP, hosted in the test process on loopback.</summary>
public sealed class McpHttpTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private McpHttpTestServer(WebApplication app, PizzaOrders orders, Uri url)
    {
        _app = app;
        Orders = orders;
        Url = url;
    }

    /// <summary>What the side-effect tool was asked to do.</summary>
    public PizzaOrders Orders { get; }

    /// <summary>The MCP endpoint.</summary>
    public Uri Url { get; }

    public static async Task<McpHttpTestServer> StartAsync()
    {
        var orders = new PizzaOrders();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(orders);
        builder.Services.AddMcpServer().WithHttpTransport().WithTools<TestMcpTools>();
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new McpHttpTestServer(app, orders, new Uri(address, "/mcp"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
