using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// The embedded default, checked once the server has bound its addresses (however they were configured:
/// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, <c>--urls</c>, <c>Kestrel:Endpoints</c>): without keys, a
/// service on loopback only is open (said once, as a warning); on any other address it refuses to start, unless
/// <c>Auth:AllowAnonymous=true</c>. Requests wait for this decision (401 until then).
/// </summary>
internal sealed partial class OpenAccessGuard(
    IServer server,
    ApiKeyRegistry keys,
    OpenAccess openAccess,
    IOptions<AuthOptions> options,
    ILogger<OpenAccessGuard> logger) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (keys.HasKeys)
        {
            return Task.CompletedTask;
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        var exposed = addresses.Where(a => !IsLocalOnly(a)).ToArray();
        if (exposed.Length == 0)
        {
            LogOpenOnLoopback(logger, string.Join(", ", addresses));
        }
        else if (options.Value.AllowAnonymous)
        {
            LogOpenByChoice(logger, string.Join(", ", exposed));
        }
        else
        {
            throw new InvalidOperationException(
                $"The service listens on {string.Join(", ", exposed)}, which is not loopback, and no API key is configured: anyone who reaches it could use it. "
                + "Configure Auth:ApiKeys (make a key with --new-api-key NAME --scopes sessions:read,sessions:write) "
                + "or, to serve without keys anyway (e.g. behind an authenticating proxy), set Auth:AllowAnonymous=true.");
        }

        openAccess.Grant();
        return Task.CompletedTask;
    }

    /// <summary>Whether a listening address is reachable from this machine only: a loopback address, <c>localhost</c>, a Unix socket or named pipe.</summary>
    internal static bool IsLocalOnly(string address)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        if (binding.IsUnixPipe || binding.IsNamedPipe)
        {
            return true;
        }

        var host = binding.Host;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key is configured (Auth:ApiKeys) and the service listens on loopback only ({Addresses}): every endpoint is open to this machine. Configure Auth:ApiKeys before listening on another address.")]
    private static partial void LogOpenOnLoopback(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key is configured (Auth:ApiKeys) and Auth:AllowAnonymous=true: every endpoint is open to whoever reaches {Addresses}")]
    private static partial void LogOpenByChoice(ILogger logger, string addresses);
}
