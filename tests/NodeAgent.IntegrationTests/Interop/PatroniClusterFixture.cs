namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// One Patroni 3.0.2 cluster (3 nodes) for every test of a class: bootstrap is most of the runtime.
/// Each test starts by waiting for it to be healthy, so a test that breaks it fails the next ones loudly.
/// </summary>
public sealed class PatroniClusterFixture : IAsyncLifetime
{
    private PatroniCluster? _cluster;

    public PatroniCluster Cluster => _cluster ?? throw new InvalidOperationException("the Patroni cluster did not start");

    public async Task InitializeAsync()
    {
        _cluster = await PatroniCluster.StartAsync(3);
        try
        {
            await _cluster.WaitForHealthyAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Patroni cluster did not become healthy: {ex.Message}\n{_cluster.Describe()}", ex);
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
