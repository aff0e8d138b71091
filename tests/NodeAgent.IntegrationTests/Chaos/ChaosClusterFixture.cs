using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// One lab for all scenarios (building it takes most of a minute): started once, healthy, with the tables
/// the chaos clients and the write probe write to. Every scenario starts by waiting for the cluster to be healthy
/// again, so a scenario that breaks it fails the next ones loudly rather than silently.
/// </summary>
public sealed class ChaosClusterFixture : IAsyncLifetime
{
    private ChaosCluster? _cluster;

    public ChaosCluster Cluster => _cluster ?? throw new InvalidOperationException("the chaos lab did not start");

    /// <summary>Markdown table rows of every scenario run so far, also appended to <see cref="ResultsPath"/>.</summary>
    public static string ResultsPath =>
        Environment.GetEnvironmentVariable("CHAOS_RESULTS") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "chaos-results.md");

    public async Task InitializeAsync()
    {
        _cluster = await ChaosCluster.StartAsync();
        try
        {
            var leader = await _cluster.WaitForHealthyAsync(TimeSpan.FromSeconds(180));
            await leader.ScalarAsync(
                "CREATE TABLE IF NOT EXISTS chaos_acked (tag text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (tag, seq));" +
                "CREATE TABLE IF NOT EXISTS chaos_direct (tag text NOT NULL, node text NOT NULL, round bigint NOT NULL);" +
                "CREATE TABLE IF NOT EXISTS chaos_local (tag text NOT NULL, seq bigint NOT NULL, node text NOT NULL, PRIMARY KEY (tag, seq));" +
                "CREATE TABLE IF NOT EXISTS chaos_probe (at timestamptz NOT NULL DEFAULT now())");
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"chaos lab did not become healthy: {ex.Message}\n{_cluster.Describe()}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
