using System.Text;
using NodeAgent.Ha;

namespace NodeAgent.Tests.Ha;

public sealed class HttpPeerStatusClientTests
{
    [Fact]
    public void Primary_body_is_not_in_recovery()
    {
        var s = HttpPeerStatusClient.Parse("u4", Encoding.UTF8.GetBytes("""{"state": "running", "role": "master", "xlog": {"location": 50331808}, "timeline": 3, "tags": {"dc": "a"}}"""))!;

        Assert.False(s.InRecovery);
        Assert.Equal(50331808UL, s.WalPosition.Value);
        Assert.Equal(3, s.Timeline);
        Assert.False(s.NoFailover);
    }

    [Fact]
    public void Replica_body_uses_the_larger_of_received_and_replayed()
    {
        var s = HttpPeerStatusClient.Parse("u5", Encoding.UTF8.GetBytes("""{"role": "replica", "xlog": {"received_location": 100, "replayed_location": 90}, "tags": {"nofailover": true}, "watchdog_failed": true}"""))!;

        Assert.True(s.InRecovery);
        Assert.Equal(100UL, s.WalPosition.Value);
        Assert.True(s.NoFailover);
        Assert.True(s.WatchdogFailed);
    }

    [Fact]
    public void Garbage_is_no_answer() => Assert.Null(HttpPeerStatusClient.Parse("u5", "<html>"u8));
}
