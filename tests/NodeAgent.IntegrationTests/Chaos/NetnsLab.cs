using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// A private network for one chaos run: a "switch" namespace holding a bridge, and one namespace per host
/// joined to it by a veth pair, all on 10.213.N.0/24 (N random per run). Nothing of it exists in the root
/// namespace except a blackhole route for the subnet, so a process that wrongly talks to a lab address from
/// outside gets an error instead of sending it to the real network. Dispose deletes the namespaces (which
/// destroys the veths and the bridge with them) and the route; processes must be killed by then.
/// </summary>
public sealed class NetnsLab : IDisposable
{
    private readonly List<NetnsHost> _hosts = [];
    private readonly string _switch;
    private bool _routeAdded;
    private bool _switchAdded;

    private NetnsLab(string id, int subnet)
    {
        Id = id;
        Subnet = subnet;
        _switch = $"{id}-sw";
    }

    /// <summary>Unique per run; prefix of every namespace and interface name.</summary>
    public string Id { get; }

    /// <summary>Third octet of the lab's 10.213.N.0/24.</summary>
    public int Subnet { get; }

    public string Cidr => string.Create(CultureInfo.InvariantCulture, $"10.213.{Subnet}.0/24");

    public IReadOnlyList<NetnsHost> Hosts => _hosts;

    public static async Task<NetnsLab> CreateAsync(CancellationToken cancellationToken = default)
    {
        var id = "nac" + Guid.NewGuid().ToString("N")[..6];
        var lab = new NetnsLab(id, Random.Shared.Next(1, 255));
        try
        {
            await Ip.RunAsync(["route", "add", "blackhole", lab.Cidr], cancellationToken);
            lab._routeAdded = true;
            await Ip.RunAsync(["netns", "add", lab._switch], cancellationToken);
            lab._switchAdded = true;
            await Ip.RunAsync(["-n", lab._switch, "link", "add", "br0", "type", "bridge"], cancellationToken);
            await Ip.RunAsync(["-n", lab._switch, "link", "set", "br0", "up"], cancellationToken);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Adds a host namespace with eth0 = 10.213.N.<paramref name="octet"/>/24 on the bridge.</summary>
    public async Task<NetnsHost> AddHostAsync(string name, int octet, CancellationToken cancellationToken = default)
    {
        var host = new NetnsHost(name, $"{Id}-{name}", string.Create(CultureInfo.InvariantCulture, $"10.213.{Subnet}.{octet}"));
        var port = $"{Id}{name}"; // veth end on the bridge: at most 15 characters.
        await Ip.RunAsync(["netns", "add", host.Namespace], cancellationToken);
        _hosts.Add(host);
        await Ip.RunAsync(["link", "add", "eth0", "netns", host.Namespace, "type", "veth", "peer", "name", port, "netns", _switch], cancellationToken);
        await Ip.RunAsync(["-n", _switch, "link", "set", port, "master", "br0", "up"], cancellationToken);
        await Ip.RunAsync(["-n", host.Namespace, "addr", "add", $"{host.Address}/24", "dev", "eth0"], cancellationToken);
        await Ip.RunAsync(["-n", host.Namespace, "link", "set", "eth0", "up"], cancellationToken);
        await Ip.RunAsync(["-n", host.Namespace, "link", "set", "lo", "up"], cancellationToken);
        return host;
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            Ip.RunQuietly(["netns", "del", host.Namespace]);
        }
        _hosts.Clear();
        if (_switchAdded)
        {
            Ip.RunQuietly(["netns", "del", _switch]);
            _switchAdded = false;
        }
        if (_routeAdded)
        {
            Ip.RunQuietly(["route", "del", "blackhole", Cidr]);
            _routeAdded = false;
        }
    }
}
