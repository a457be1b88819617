using System.Net;
using System.Net.Sockets;

namespace AudioOrchestrator.Testing;

/// <summary>
/// Ports for services a test starts on 127.0.0.1. They are picked below the kernel's ephemeral range
/// (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768-60999 by default): a port the kernel handed out for a bind to
/// port 0 is free again once the probe closes, and in the moment before the service binds it any process of the test
/// run (their outgoing connections, their own port-0 binds) could be given it by the kernel; that failed whole
/// fixtures with "address already in use". Below the range only another random pick can take it.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;

    /// <summary>A port that was free on 127.0.0.1 (TCP and UDP) a moment ago.</summary>
    public static int Free()
    {
        var below = EphemeralRangeStart();
        if (below - Lowest >= 1000)
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var port = Random.Shared.Next(Lowest, below);
                if (IsFree(port))
                {
                    return port;
                }
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var tcp = new TcpListener(IPAddress.Loopback, port);
            tcp.Start();
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            tcp.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (32768 when it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            var parts = File.ReadAllText(RangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var start) ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
        catch (UnauthorizedAccessException)
        {
            return 32768;
        }
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
