namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>The chaos suite owns the machine while it runs: never in parallel with other cluster tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosSequence
{
    public const string Name = "chaos lab";
}
