using NodeAgent.Postgres;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>A promoted replica's postgresql.conf leaves nothing waiting for a restart; its next start writes no recovery section.</summary>
public sealed class PromotedConfigTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Promotion_leaves_no_pending_restart_and_the_next_start_drops_the_recovery_section()
    {
        await using var primary = new PostgresNode(output, "pg-p", "127.0.44.1");
        await using var replica = new PostgresNode(output, "pg-r", "127.0.44.2");
        await primary.InitAndStartPrimaryAsync();
        await primary.Instance.SyncReplicationSlotsAsync(new HashSet<string> { SlotNames.FromMemberName(replica.Name) }, CancellationToken.None);
        await replica.Instance.CloneFromAsync(primary.AsUpstream, CancellationToken.None);
        Assert.True(await replica.Instance.StartAsync(asPrimary: false, primary.AsUpstream, CancellationToken.None));
        await primary.Instance.StopAsync(StopMode.Fast, checkpoint: true, CancellationToken.None);

        Assert.True(await replica.Instance.PromoteAsync(CancellationToken.None));
        await replica.Instance.FinishPromotionAsync(CancellationToken.None);

        var conf = Path.Combine(replica.DataDir, "postgresql.conf");
        Assert.Contains("recovery_target_timeline = 'latest'", await File.ReadAllTextAsync(conf), StringComparison.Ordinal);
        Assert.DoesNotContain("primary_conninfo", await File.ReadAllTextAsync(conf), StringComparison.Ordinal);
        // Once a new backend no longer sees primary_conninfo, the postmaster has read the rewritten file.
        await Eventually.TrueAsync(async () => await replica.Instance.Sql.ScalarAsync<string>(
            "SELECT setting FROM pg_settings WHERE name = 'primary_conninfo'", Budget, CancellationToken.None) == "", Patience, "the reload");
        Assert.Equal("", await PendingInPgSettingsAsync(replica));
        Assert.False((await replica.Instance.ObserveAsync(CancellationToken.None)).PendingRestart);

        Assert.Equal(RestartOutcome.Restarted, await replica.Instance.RestartAsync(Patience, CancellationToken.None));
        Assert.DoesNotContain("# recovery.conf", await File.ReadAllTextAsync(conf), StringComparison.Ordinal);
        Assert.Equal("", await PendingInPgSettingsAsync(replica));
        var after = await replica.Instance.ObserveAsync(CancellationToken.None);
        Assert.False(after.IsInRecovery);
        Assert.False(after.PendingRestart);
    }

    private static Task<string> PendingInPgSettingsAsync(PostgresNode node) =>
        node.Instance.Sql.ScalarAsync<string>(
            "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM pg_settings WHERE pending_restart", Budget, CancellationToken.None);
}
