namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Each test runs a whole cluster on the standard ports of its addresses: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AgentClusterSequence
{
    public const string Name = "Agent cluster";
}
