using AudioOrchestrator.McpTestServer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The test MCP server over stdio: the tests configure it as Mcp:Servers:{name}:Command = dotnet <this dll>.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddSingleton<PizzaOrders>();
builder.Services.AddMcpServer().WithStdioServerTransport().WithTools<TestMcpTools>().WithTools([typeof(StdioOnlyTools)]);
await builder.Build().RunAsync();
