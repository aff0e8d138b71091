using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Dcs;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// One agent's etcd client against the shared <see cref="InMemoryDcsStore"/> (leases on the simulated clock).
/// A request reaches etcd after a random delay and takes effect there, even if the agent froze or died meanwhile;
/// the answer comes back after another delay. A partitioned node's calls fail; a call slower than retry_timeout
/// fails at retry_timeout (its write may still have landed), like the real client's deadline.
/// </summary>
internal sealed class SimDcs : IDcs
{
    private readonly HaSimulation _sim;
    private readonly SimNode _node;
    private readonly int _generation;
    private long _lease;

    public SimDcs(HaSimulation sim, SimNode node)
    {
        (_sim, _node, _generation) = (sim, node, node.Generation);
        _lease = sim.Store.GrantLease();
    }

    /// <summary>The deliberate bug for the mutation test: renew by re-putting the key, as Patroni 3.0.2 did.</summary>
    public bool UnconditionalLeaderPut { get; init; }

    public ClusterView? Current { get; private set; }

    public long LastContactTimestamp { get; private set; }

    public int LeaseTtl => _sim.Store.LeaseTtl;

    public void ApplyTimings(int ttl, int retryTimeout)
    {
    }

    public Task<ClusterView> StartAsync(CancellationToken cancellationToken) => ReadClusterAsync(cancellationToken);

    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ClusterView> ReadClusterAsync(CancellationToken cancellationToken) => Call("read", () => Current = _sim.Store.View());

    public Task<bool> RefreshLeaseAsync(CancellationToken cancellationToken) => Call("keepalive", KeepAliveOrRegrant);

    public Task TouchMemberAsync(MemberData data, CancellationToken cancellationToken) => Call("touch member", () =>
    {
        _sim.Store.PutMember(_node.Name, data, _lease);
        return true;
    });

    public Task<bool> AttemptToAcquireLeaderAsync(CancellationToken cancellationToken) =>
        Call("acquire leader", () => _sim.Store.CreateLeader(_node.Name, _lease), leaderChange: true);

    public Task<bool> UpdateLeaderAsync(CancellationToken cancellationToken) => Call("update leader", () =>
    {
        var alive = KeepAliveOrRegrant();
        if (UnconditionalLeaderPut)
        {
            _sim.Store.PutLeader(_node.Name, _lease);
            return true;
        }

        return alive && _sim.Store.Leader is { } leader && leader.Name == _node.Name && leader.Lease == _lease;
    }, leaderChange: true);

    public Task<bool> DeleteLeaderAsync(CancellationToken cancellationToken) =>
        Call("delete leader", () => _sim.Store.DeleteLeader(_node.Name), leaderChange: true);

    public Task<bool> InitializeAsync(bool createNew, string value, CancellationToken cancellationToken) => Call($"initialize '{value}'", () =>
    {
        if (createNew && _sim.Store.Initialize is not null)
        {
            return false;
        }

        _sim.Store.Initialize = value;
        return true;
    });

    public Task CancelInitializationAsync(CancellationToken cancellationToken) => Call("cancel initialize", () =>
    {
        _sim.Store.Initialize = null;
        return true;
    });

    public Task<bool> SetConfigAsync(JsonObject config, long? modRevision, CancellationToken cancellationToken) => Call("set config", () =>
    {
        _sim.Store.SetConfig(config.DeepClone().AsObject());
        return true;
    });

    public Task SetHistoryAsync(IReadOnlyList<TimelineHistoryEntry> history, CancellationToken cancellationToken) => Call("set history", () =>
    {
        _sim.Store.SetHistory([.. history]);
        return true;
    });

    public Task WriteStatusAsync(ulong optime, CancellationToken cancellationToken) => Call("status", () =>
    {
        _sim.Store.SetStatus(optime);
        return true;
    });

    public Task<bool> SetFailoverAsync(FailoverRequest? request, long? modRevision, CancellationToken cancellationToken) => Call("clear failover", () =>
    {
        _sim.Store.SetFailover(null);
        return true;
    });

    public Task DeleteMemberAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool KeepAliveOrRegrant()
    {
        if (_sim.Store.KeepAlive(_lease))
        {
            return true;
        }

        _lease = _sim.Store.GrantLease();
        return false;
    }

    private Task<T> Call<T>(string op, Func<T> effect, bool leaderChange = false)
    {
        _sim.Scheduler.OnSimThread();
        var tcs = new TaskCompletionSource<T>();
        var timeout = HaSimulation.RetryTimeoutSeconds;
        var plan = _sim.Network.Plan(_node, timeout);
        if (plan.ServedAfter is { } served)
        {
            _sim.Scheduler.After(served, () =>
            {
                _sim.Store.Check();
                var result = effect();
                if (leaderChange)
                {
                    _sim.Log($"{_node.Name}: etcd applied {op} -> {result}; leader now {_sim.Store.Leader?.Name ?? "none"}");
                }

                if (plan.Fails is null)
                {
                    _sim.Scheduler.After(plan.AnsweredAfter - served, () => _sim.Deliver(_node, _generation, () =>
                    {
                        LastContactTimestamp = _sim.Scheduler.Now;
                        tcs.SetResult(result);
                    }));
                }
            });
        }

        if (plan.Fails is { } why)
        {
            _sim.Scheduler.After(plan.AnsweredAfter, () => _sim.Deliver(_node, _generation, () =>
            {
                _sim.Log($"{_node.Name}: etcd {op} failed: {why}");
                tcs.SetException(new DcsUnavailableException(why));
            }));
        }

        return tcs.Task;
    }
}
