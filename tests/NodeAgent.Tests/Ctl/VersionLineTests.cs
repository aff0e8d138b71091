using System.Text.Json.Nodes;
using NodeAgent.Ctl.Commands;

namespace NodeAgent.Tests.Ctl;

public sealed class VersionLineTests
{
    [Fact]
    public void A_patroni_member_gets_patronictls_line()
    {
        var data = JsonNode.Parse("""{"state":"running","server_version":150018,"patroni":{"version":"3.0.2","scope":"PGC1"}}""")!.AsObject();

        Assert.Equal("u4: Patroni 3.0.2 PostgreSQL 15.18", VersionCommand.MemberLine("u4", data));
    }

    [Fact]
    public void A_nodeagent_member_is_named_as_such()
    {
        var data = JsonNode.Parse("""{"server_version":150018,"patroni":{"version":"3.0.2","scope":"PGC1"},"nodeagent":{"version":"1.2.3"}}""")!.AsObject();

        Assert.Equal("u5: NodeAgent 1.2.3 (as Patroni 3.0.2) PostgreSQL 15.18", VersionCommand.MemberLine("u5", data));
    }

    [Fact]
    public void The_agents_status_carries_its_own_version()
    {
        var observation = new NodeAgent.Ha.Observation
        {
            Me = "u4",
            Postgres = NodeAgent.Tests.Ha.Given.PostgresRunningAsPrimary(),
            Config = new NodeAgent.Configuration.AgentConfig { Scope = "PGC1", Name = "u4" },
            Dynamic = new NodeAgent.Configuration.DynamicConfig(),
        };
        var snapshot = NodeAgent.Ha.StatusSnapshotFactory.Build(observation, new NodeAgent.Ha.LeaseClock(TimeProvider.System, () => null),
            new NodeAgent.Watchdog.WatchdogState("off", "", false, null, null, false, null), null, 0, null);

        var json = System.Text.Encoding.UTF8.GetString(NodeAgent.Api.Status.StatusJsonWriter.ToUtf8(snapshot));

        Assert.Contains($"\"nodeagent\":{{\"version\":\"{NodeAgent.AgentVersion.Current}\"}}", json, StringComparison.Ordinal);
        Assert.Equal("u4: NodeAgent " + NodeAgent.AgentVersion.Current + " (as Patroni 3.0.2)",
            VersionCommand.MemberLine("u4", System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject()).Split(" PostgreSQL")[0]);
    }
}
