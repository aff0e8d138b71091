using NodeAgent.Cluster;
using NodeAgent.Ha.Sync;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// Synchronous mode (<c>ha.py:process_sync_replication</c>). The invariant: while a primary holds the lock, every standby
/// the <c>sync</c> key names is one its commits wait for. So synchronous_standby_names gains a name before the key does,
/// and the key loses a name before synchronous_standby_names does; only members the key names may take over.
/// </summary>
public static partial class HaDecider
{
    private const string SyncKeyTaken = "synchronous replication key updated by someone else";

    /// <summary>In synchronous mode, on a primary that answers: the standbys it wants and those it may name; else null.</summary>
    private static SyncPick? PickSyncStandbys(Observation o) =>
        o.Dynamic.SynchronousMode && o.Postgres.IsAcceptingConnections
            ? SyncStandbyPicker.Pick(o.Postgres.Primary, o.Postgres.WalPosition ?? Lsn.Zero, o.Cluster!, o.SyncReady, o.Dynamic.SynchronousNodeCount, o.Dynamic.MaximumLagOnSyncnode)
            : null;

    /// <summary>The leader's synchronous standbys, kept in step with the <c>sync</c> key; or the key removed when the mode is off.</summary>
    private static IEnumerable<HaStep> ProcessSyncReplication(Observation o, string reason, SyncPick? pick)
    {
        var sync = o.Cluster!.Sync;
        if (!o.Dynamic.SynchronousMode)
        {
            // Off, the configured synchronous_standby_names applies again (written with the config change).
            if (!sync.IsEmpty)
            {
                yield return new DeleteSyncState(sync.ModRevision);
                yield return new SetSynchronousStandbyNames(null);
            }

            yield break;
        }

        if (pick is null)
        {
            yield break;
        }

        var current = sync.IsEmpty ? [] : sync.SyncStandbys;
        var keyTaken = WithTouch(HaDecision.NoSteps($"{reason}; {SyncKeyTaken}"));
        if (SameNames(pick.Candidates, current))
        {
            // Nothing to change; but the value postgres runs is compared with the wanted one, so a value lost (an edit of
            // the file, a reload that never happened) comes back at once.
            yield return SetNames(o, WantedNames(o, current));
            yield break;
        }

        var common = current.Where(n => pick.Synchronous.Contains(n)).ToList();
        var narrowed = !SameNames(common, current);
        if (narrowed)
        {
            yield return new WriteSyncState(common, sync.ModRevision, keyTaken);
        }

        yield return SetNames(o, WantedNames(o, pick.Candidates));
        // Only standbys that are synchronous under the old value and stay in the new one; the next cycle (soon: the
        // loop looks again within a second after a change) adds those that became synchronous under the new value.
        if (!narrowed && pick.Synchronous.Count > 0 && !SameNames(pick.Synchronous, common))
        {
            yield return new WriteSyncState(pick.Synchronous, sync.ModRevision, keyTaken);
        }
    }

    /// <summary>
    /// ha.py:enforce_primary_role before a promotion in synchronous mode: the key names only us, so no standby counts as
    /// synchronous until this primary has chosen and verified one; commits wait for any standby in strict mode.
    /// </summary>
    private static IEnumerable<HaStep> BeforePromotion(Observation o)
    {
        if (!o.Dynamic.SynchronousMode)
        {
            yield break;
        }

        if (QuorumMode(o))
        {
            foreach (var step in QuorumBeforePromotion(o))
            {
                yield return step;
            }

            yield break;
        }

        var postponed = WithTouch(HaDecision.NoSteps("Postponing promotion because synchronous replication state was updated by somebody else"));
        yield return new WriteSyncState([], o.Cluster!.Sync.ModRevision, postponed);
        yield return new SetSynchronousStandbyNames(o.Dynamic.SynchronousModeStrict ? "*" : null);
    }

    /// <summary>
    /// Said in the cycle's reason while fewer standbys can be synchronous than synchronous_node_count asks for (too few
    /// replicas, nosync tags, a one-node cluster): the operator sees why commits wait (strict) or are less protected.
    /// </summary>
    private static string SyncShortfall(Observation o, SyncPick? pick)
    {
        var wanted = Math.Max(1, o.Dynamic.SynchronousNodeCount);
        if (pick is null || pick.Candidates.Count >= wanted)
        {
            return "";
        }

        var consequence = pick.Candidates.Count == 0
            ? o.Dynamic.SynchronousModeStrict ? "every commit waits for one (synchronous_mode_strict)" : "commits do not wait for any"
            : "commits wait for those";
        return $"; synchronous_node_count is {wanted} but {pick.Candidates.Count} standby can be synchronous now: {consequence}";
    }

    /// <summary>The value, reloaded when postgres runs another one than wanted.</summary>
    private static SetSynchronousStandbyNames SetNames(Observation o, string? wanted) =>
        new(wanted, (wanted ?? "") != o.Postgres.Primary.SynchronousStandbyNames);

    private static string? WantedNames(Observation o, IReadOnlyList<string> standbys) =>
        SyncStandbyNames.Build(standbys.Count == 0 && o.Dynamic.SynchronousModeStrict ? ["*"] : standbys);

    /// <summary>In synchronous mode with a <c>sync</c> key: why this member may not take the lock automatically, or null.</summary>
    private static string? NotSynchronous(Observation o)
    {
        var sync = o.Cluster!.Sync;
        // Quorum commit lets any member race; it must gather the quorum's votes instead (HaDecider.Quorum).
        return o.Dynamic.SynchronousMode && !QuorumMode(o) && !sync.IsEmpty && !sync.Matches(o.Me)
            ? $"not a synchronous standby (sync key: {string.Join(",", sync.SyncStandbys.DefaultIfEmpty("none"))})"
            : null;
    }

    /// <summary>A member that may be failed over to: in synchronous mode only one the <c>sync</c> key names.</summary>
    private static bool MaySucceed(Observation o, string member) =>
        !o.Dynamic.SynchronousMode || o.Cluster!.Sync.Matches(member);

    private static bool SameNames(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(b);
}
