using System.Net;
using System.Net.Sockets;

namespace AudioOrchestrator.Testing;

/// <summary>Ports for services a test starts on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>A TCP port that was free on 127.0.0.1 a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Free loopback ports for one set of processes, never the same one twice: <see cref="LoopbackPorts.Free"/> alone can
/// return a port it returned a moment ago (the kernel reuses it once the probe socket closed), and two services of one
/// cluster then fail to bind the same port (seen: a silo's gateway and its HTTP endpoint).
/// </summary>
public sealed class DistinctLoopbackPorts
{
    private readonly HashSet<int> _given = [];

    public int Next()
    {
        while (true)
        {
            var port = LoopbackPorts.Free();
            if (_given.Add(port))
            {
                return port;
            }
        }
    }
}
