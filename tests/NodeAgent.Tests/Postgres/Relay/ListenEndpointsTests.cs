using System.Net;
using NodeAgent.Postgres.Relay;

namespace NodeAgent.Tests.Postgres.Relay;

public sealed class ListenEndpointsTests
{
    [Fact]
    public void Star_is_every_ipv4_and_ipv6_address_apart()
    {
        Assert.Equal([new IPEndPoint(IPAddress.Any, 5433), new IPEndPoint(IPAddress.IPv6Any, 5433)], ListenEndpoints.Of("*", 5433));
    }

    [Fact]
    public void Addresses_are_taken_as_listed_and_names_resolved()
    {
        Assert.Equal(
            [new IPEndPoint(IPAddress.Parse("127.0.1.84"), 5432), new IPEndPoint(IPAddress.IPv6Loopback, 5432)],
            ListenEndpoints.Of("127.0.1.84, ::1", 5432));
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 5432), ListenEndpoints.Of("localhost", 5432));
    }

    [Fact]
    public void Nothing_to_listen_on_is_no_endpoint()
    {
        Assert.Empty(ListenEndpoints.Of("", 5432));
        Assert.Empty(ListenEndpoints.Of("no-such-host.invalid", 5432));
    }
}
