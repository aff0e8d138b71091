using NodeAgent.Postgres;
using NodeAgent.Processes;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>PostgresInstance against a real PostgreSQL 15 run as the postgres account.</summary>
public sealed class PostgresInstanceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Primary_bootstraps_and_observes_itself()
    {
        await using var node = new PostgresNode(output, "pg-primary", "127.0.41.1");
        await node.InitAndStartPrimaryAsync();

        var o = await node.Instance.ObserveAsync(CancellationToken.None);
        var control = await node.Instance.ReadControlDataAsync(CancellationToken.None);

        Assert.Equal(DataDirState.Initialized, o.DataDir);
        Assert.True(o.IsRunning);
        Assert.True(o.IsAcceptingConnections);
        Assert.False(o.IsInRecovery);
        Assert.Equal(1, o.Timeline);
        Assert.NotNull(o.WalPosition);
        Assert.True(o.WalPosition!.Value.Value > 0);
        Assert.True(o.ServerVersion >= 150000);
        Assert.NotNull(control);
        Assert.Equal(control!.SystemIdentifier, o.SystemIdentifier);
        Assert.Equal(1, control.DataChecksumVersion);
        Assert.False(o.CrashedSinceLastObservation);
        // Local max_connections is a command-line GUC: ignored, the dynamic default (100) wins.
        Assert.Equal("100", await node.Instance.Sql.ScalarAsync<string>("SHOW max_connections", TimeSpan.FromSeconds(3), CancellationToken.None));
        Assert.Equal("itest", await node.Instance.Sql.ScalarAsync<string>("SHOW cluster_name", TimeSpan.FromSeconds(3), CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(node.DataDir, "postgresql.base.conf")));
        Assert.Contains("include 'postgresql.base.conf'", await File.ReadAllTextAsync(Path.Combine(node.DataDir, "postgresql.conf")));
        Assert.True(await node.Instance.Sql.ScalarAsync<bool>(
            "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'", TimeSpan.FromSeconds(3), CancellationToken.None));
    }

    [Fact]
    public async Task Stop_modes_stop_and_restart_cleanly()
    {
        await using var node = new PostgresNode(output, "pg-stop", "127.0.41.2");
        await node.InitAndStartPrimaryAsync();

        foreach (var mode in new[] { StopMode.Fast, StopMode.Smart, StopMode.Immediate })
        {
            var pid = node.Instance.PostmasterPid!.Value;
            await node.Instance.StopAsync(mode, checkpoint: mode != StopMode.Immediate, CancellationToken.None);

            var o = await node.Instance.ObserveAsync(CancellationToken.None);
            Assert.False(Posix.IsAlive(pid));
            Assert.False(o.IsRunning);
            Assert.False(o.CrashedSinceLastObservation);
            Assert.Equal(mode == StopMode.Immediate ? "in production" : "shut down", o.ClusterState);
            Assert.True(await node.Instance.StartAsync(asPrimary: true, upstream: null, CancellationToken.None));
        }
    }

    /// <summary>The per-cycle reads keep one connection across cycles (no connect and authentication each time), and a
    /// postgres restart under it costs no failed observation.</summary>
    [Fact]
    public async Task Observations_share_one_connection_that_a_restart_replaces()
    {
        await using var node = new PostgresNode(output, "pg-kept", "127.0.41.6");
        await node.InitAndStartPrimaryAsync();
        await node.Instance.ObserveAsync(CancellationToken.None);
        var first = await AgentBackendsAsync(node);

        await node.Instance.ObserveAsync(CancellationToken.None);
        await node.Instance.ObserveAsync(CancellationToken.None);
        Assert.Equal(first, await AgentBackendsAsync(node));
        Assert.Single(first);

        // A smart stop is not held open by the kept connection; then its backend is terminated behind the instance's back
        // (as a crash or a restart would): the next read finds it broken and retries on a fresh one.
        await node.Instance.StopAsync(StopMode.Smart, checkpoint: false, CancellationToken.None);
        Assert.True(await node.Instance.StartAsync(asPrimary: true, upstream: null, CancellationToken.None));
        await node.Instance.ObserveAsync(CancellationToken.None);
        var kept = await AgentBackendsAsync(node);
        await CommandRunnerSql(node, $"SELECT pg_terminate_backend({kept.Single()})");
        var o = await node.Instance.ObserveAsync(CancellationToken.None);

        Assert.True(o.IsRunning);
        Assert.True(o.IsAcceptingConnections);
        Assert.False(o.IsInRecovery);
        Assert.DoesNotContain(kept.Single(), await AgentBackendsAsync(node));
    }

    /// <summary>
    /// A primary's replication query runs on the kept connection too (no connect per cycle), and right after the agent
    /// changed synchronous_standby_names and reloaded, the next observation reports the new value: a kept backend that had
    /// not processed the SIGHUP yet is not trusted for it (postgresql/sync.py reads it on its kept connection as well).
    /// </summary>
    [Fact]
    public async Task A_primary_reads_its_replication_on_the_kept_connection_and_sees_each_value_it_reloads()
    {
        await using var node = new PostgresNode(output, "pg-kept-sync", "127.0.41.7", c => c with
        {
            Bootstrap = c.Bootstrap with { Dcs = c.Bootstrap.Dcs with { SynchronousMode = true } },
        });
        await node.InitAndStartPrimaryAsync();
        var o = await node.Instance.ObserveAsync(CancellationToken.None);
        Assert.False(o.IsInRecovery);
        var kept = Assert.Single(await AgentBackendsAsync(node));
        Assert.Contains("pg_stat_replication", await LastQueryAsync(node, kept), StringComparison.Ordinal);
        await node.Instance.ObserveAsync(CancellationToken.None);
        Assert.Equal([kept], await AgentBackendsAsync(node));

        for (var i = 0; i < 20; i++)
        {
            var value = i % 2 == 0 ? $"ANY 1 (\"node {i}\", b)" : $"n{i}";
            Assert.True(await node.Instance.SetSynchronousStandbyNamesAsync(value, reload: false, CancellationToken.None));
            o = await node.Instance.ObserveAsync(CancellationToken.None);
            Assert.Equal(value, o.Primary.SynchronousStandbyNames);
        }

        // Without a reload since, the kept connection is trusted again: one backend, the same across cycles.
        kept = Assert.Single(await AgentBackendsAsync(node));
        await node.Instance.ObserveAsync(CancellationToken.None);
        await node.Instance.ObserveAsync(CancellationToken.None);
        Assert.Equal([kept], await AgentBackendsAsync(node));
    }

    private static Task<string> LastQueryAsync(PostgresNode node, int pid) =>
        node.Instance.Sql.ScalarAsync<string>(
            "SELECT query FROM pg_stat_activity WHERE pid = @pid", TimeSpan.FromSeconds(3), CancellationToken.None, ("pid", pid));

    /// <summary>The pids of the agent's backends with no query running, seen from another connection.</summary>
    private static async Task<List<int>> AgentBackendsAsync(PostgresNode node)
    {
        var text = await node.Instance.Sql.ScalarAsync<string>(
            "SELECT coalesce(string_agg(pid::text, ',' ORDER BY pid), '') FROM pg_stat_activity WHERE application_name = 'node-agent' AND pid <> pg_backend_pid()",
            TimeSpan.FromSeconds(3), CancellationToken.None);
        return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
    }

    private static Task CommandRunnerSql(PostgresNode node, string sql) =>
        node.Instance.Sql.ScalarAsync<bool>(sql, TimeSpan.FromSeconds(3), CancellationToken.None);

    [Fact]
    public async Task Killed_postmaster_is_observed_as_crash_once()
    {
        await using var node = new PostgresNode(output, "pg-crash", "127.0.41.3");
        await node.InitAndStartPrimaryAsync();
        var pid = node.Instance.PostmasterPid!.Value;
        Assert.False((await node.Instance.ObserveAsync(CancellationToken.None)).CrashedSinceLastObservation);

        Posix.Signal(pid, PosixSignalKind.Kill);
        await Eventually.TrueAsync(() => Task.FromResult(!Posix.IsAlive(pid)), Patience, "postmaster death");
        PostgresObservation? crashed = null;
        await Eventually.TrueAsync(async () =>
        {
            crashed = await node.Instance.ObserveAsync(CancellationToken.None);
            return !crashed.IsRunning;
        }, Patience, "crash observed");

        Assert.True(crashed!.CrashedSinceLastObservation);
        Assert.False((await node.Instance.ObserveAsync(CancellationToken.None)).CrashedSinceLastObservation);
        // Restart after a crash: crash recovery, then a normal primary again.
        Assert.True(await node.Instance.StartAsync(asPrimary: true, upstream: null, CancellationToken.None));
    }

    [Fact]
    public async Task Running_postmaster_is_adopted_by_a_new_instance()
    {
        await using var node = new PostgresNode(output, "pg-adopt", "127.0.41.4");
        await node.InitAndStartPrimaryAsync();
        var pid = node.Instance.PostmasterPid!.Value;

        var adopted = node.NewInstance();
        var o = await adopted.ObserveAsync(CancellationToken.None);

        Assert.True(o.IsRunning);
        Assert.True(o.IsAcceptingConnections);
        Assert.Equal(pid, adopted.PostmasterPid);
        Assert.True(await adopted.StartAsync(asPrimary: true, upstream: null, CancellationToken.None));
        Assert.Equal(pid, adopted.PostmasterPid);

        await adopted.StopAsync(StopMode.Fast, checkpoint: false, CancellationToken.None);
        Assert.False(Posix.IsAlive(pid));
        Assert.False((await adopted.ObserveAsync(CancellationToken.None)).CrashedSinceLastObservation);
    }

    [Fact]
    public async Task Data_dir_with_wrong_mode_is_invalid_and_untouched()
    {
        await using var node = new PostgresNode(output, "pg-invalid", "127.0.41.5");
        Directory.CreateDirectory(node.DataDir);
        File.SetUnixFileMode(node.DataDir, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(node.DataDir, "PG_VERSION"), "15\n");

        var o = await node.Instance.ObserveAsync(CancellationToken.None);

        Assert.Equal(DataDirState.Invalid, o.DataDir);
        Assert.False(o.IsRunning);
        Assert.Contains("mode 0755", node.Instance.InvalidReason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Instance.InitDbAsync(CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Instance.StartAsync(true, null, CancellationToken.None));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(node.DataDir));
        Assert.Equal(0u, Posix.OwnerOf(node.DataDir));
        Assert.Equal(["PG_VERSION"], Directory.GetFileSystemEntries(node.DataDir).Select(Path.GetFileName));
    }
}
