using System.Globalization;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Replica;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// The HA decision (Patroni's <c>ha.py:_run_cycle</c>) as a pure function:
/// an <see cref="Observation"/> in, a <see cref="HaDecision"/> out. No I/O, no clock, no logging.
/// Read it top to bottom: <see cref="Decide"/> is the cycle order, each later method one branch of it.
/// </summary>
public static partial class HaDecider
{
    public static HaDecision Decide(Observation o)
    {
        ArgumentNullException.ThrowIfNull(o);

        // A frozen or slow leader must stop accepting writes before it does anything else,
        // because its lease may already have expired and another node may be primary by now.
        if (StallSafety(o) is { } fenced)
        {
            return fenced;
        }

        if (!o.DcsAvailable || o.Cluster is null)
        {
            return WithManualRequest(o, WithFailsafeRound(o, DcsNotAccessible(o)));
        }

        var cluster = o.Cluster;
        var prelude = new List<HaStep>();
        if (o.Paused)
        {
            prelude.Add(new DisableWatchdog());
        }

        if (HoldsLock(o) && o.Postgres.SystemIdentifier is { } sysid)
        {
            if (!IsValidSysid(cluster.Initialize))
            {
                prelude.Add(new WriteInitialize(sysid, CreateNew: cluster.Initialize is null));
            }

            if (cluster.Config is null)
            {
                prelude.Add(new WriteConfig());
            }
        }

        var body = o.LongActionInProgress is { } action ? LongActionInProgress(o, action)
            : o.Postgres.DataDir != DataDirState.Initialized ? DataDirectoryNotReady(o)
            : SystemIdMismatch(o) ?? NotRunning(o) ?? StartingWithLock(o) ?? (cluster.IsLocked ? WithScheduledRestart(o, HealthyCluster(o)) : FollowFailsafeLeader(o) ?? UnhealthyCluster(o));

        body = WithCascadeSlots(o, WithClientHoldoffEnd(o, body));
        body = WithFailsafeTopology(o, body);
        return WithManualRequest(o, WithTouch(new HaDecision(body.Reason, [.. prelude, .. body.Steps])));
    }

    private static HaDecision? StallSafety(Observation o)
    {
        if (o.Paused || !AcceptsWrites(o.Postgres))
        {
            return null;
        }

        if (o.Stalled)
        {
            return new($"stopped accepting writes: this agent stalled for {Seconds(o.SincePreviousCycle)} s, longer than the leader lock can be trusted",
                [new Demote(DemoteMode.Offline, null)]);
        }

        // A leader keeps trying to renew until this moment (LeaseClock); then the lease leaves only the margins the
        // demotion and the fence need before it can expire.
        // Beyond Patroni, the lock is then handed over: a replica that still reaches etcd deletes the key for us (compare on
        // its version) instead of everyone waiting for etcd to expire the lease.
        if (o.LockTimeLeft is { } left && left <= TimeSpan.Zero)
        {
            return new("stopped accepting writes: the leader lock could not be renewed before its lease runs out",
                [new Demote(DemoteMode.Offline, null, HandOver: o.BelievesHoldsLock)]);
        }

        return null;
    }

    /// <summary>
    /// ha.py:_run_cycle when the DCS is not accessible: a primary stops accepting writes, a replica keeps replicating.
    /// Beyond Patroni, a lock holder whose lease still runs keeps its primary and retries: an etcd hiccup shorter than
    /// the lease costs no outage; <see cref="StallSafety"/> demotes it once the lease leaves only the safety margins.
    /// </summary>
    private static HaDecision DcsNotAccessible(Observation o)
    {
        if (!o.Paused && AcceptsWrites(o.Postgres))
        {
            if (o.BelievesHoldsLock && o.LockTimeLeft is { } left && left > TimeSpan.Zero)
            {
                var keeping = $"DCS is not accessible; keeping the primary while the leader lock is valid for {Seconds(left)} s more";
                // The demotion may come at the next cycle (after loop_wait and up to retry_timeout on etcd): a checkpoint now
                // leaves its fast stop little to write.
                return left <= TimeSpan.FromSeconds(o.Dynamic.LoopWait + o.Dynamic.RetryTimeout)
                    ? new(keeping, [new CheckpointAhead()])
                    : HaDecision.NoSteps(keeping);
            }

            return new("demoted self because DCS is not accessible and I was a leader", [new Demote(DemoteMode.Offline, null)]);
        }

        return HaDecision.NoSteps("DCS is not accessible");
    }

    /// <summary>
    /// ha.py:handle_long_action_in_progress: keep the lock alive while a bootstrap/clone/start/restart runs. Like
    /// Patroni's update_lock, a renewal kicks the watchdog and the fence: a leader restarting postgres is alive and
    /// must not be fenced for the restart taking longer than the fence's deadline.
    /// </summary>
    private static HaDecision LongActionInProgress(Observation o, LongActionKind action)
    {
        var name = action.Name();
        var inProgress = HaDecision.NoSteps($"{name} in progress");
        if (HoldsLock(o))
        {
            List<HaStep> steps = [new UpdateLock(WithTouch(inProgress))];
            if (!o.Paused)
            {
                steps.Add(new KeepaliveWatchdog());
            }

            return new($"updated leader lock during {name}", steps);
        }

        return inProgress;
    }

    /// <summary>ha.py:bootstrap: empty data dir → race to initialise, clone, or wait.</summary>
    private static HaDecision DataDirectoryNotReady(Observation o)
    {
        var cluster = o.Cluster!;
        var steps = new List<HaStep>();
        if (o.Postgres.IsRunning)
        {
            steps.Add(new StopPostgres(StopMode.Immediate));
        }

        steps.Add(new DisableWatchdog());
        if (HoldsLock(o))
        {
            return new("released leader key voluntarily as data dir empty and currently leader", [.. steps, new ReleaseLock()]);
        }

        if (o.Postgres.DataDir == DataDirState.Invalid)
        {
            return new("data directory is not accessible or not a valid PostgreSQL data directory", steps);
        }

        if (o.Paused)
        {
            return new("running with empty data directory", steps);
        }

        if (cluster.IsLocked)
        {
            if (CloneSource(o) is { } source)
            {
                var follow = Upstream(o);
                return new($"trying to bootstrap from {source.Role} '{source.Target.MemberName}'",
                    [.. steps, new CloneFrom(source.Target, follow == source.Target ? null : follow)]);
            }

            return new(IsStandbyCluster(o) ? "waiting for standby_leader to bootstrap" : "waiting for leader to bootstrap", steps);
        }

        if (cluster.Initialize is null && !NoFailover(o.Config) && IsStandbyCluster(o))
        {
            return StandbyBootstrap(o, steps);
        }

        if (cluster.Initialize is null && !NoFailover(o.Config))
        {
            var lost = HaDecision.NoSteps("failed to acquire initialize lock");
            return new("trying to bootstrap a new cluster", [.. steps, new RaceInitialize(WithTouch(lost)), new Bootstrap()]);
        }

        // No leader: a method that needs no replication connection (a backup restore) can still make this member,
        // unless another node is initialising right now (initialize == "").
        if (!IsStandbyCluster(o) && cluster.Initialize != "" && ReplicaMethods.CanWorkWithoutLeader(o.Config.Postgresql))
        {
            return new("trying to bootstrap (without leader)", [.. steps, new CloneFrom(null)]);
        }

        return new(IsStandbyCluster(o) ? "waiting for standby_leader to bootstrap" : "waiting for leader to bootstrap", steps);
    }

    /// <summary>Step 9: data from another cluster must never join this one.</summary>
    private static HaDecision? SystemIdMismatch(Observation o)
    {
        var cluster = o.Cluster!;
        var mine = o.Postgres.SystemIdentifier;
        if (mine is null || cluster.Initialize == mine)
        {
            return null;
        }

        if (!IsValidSysid(cluster.Initialize))
        {
            // Existing data in a cluster nobody initialised: claim it with our sysid (ha.py, step 9).
            return cluster.Initialize is null && !cluster.IsLocked && !o.Paused ? ClaimInitialize(o, mine) : null;
        }

        if (o.Paused)
        {
            return HoldsLock(o)
                ? new("released leader key voluntarily due to the system ID mismatch", [new ReleaseLock()])
                : HaDecision.NoSteps($"system ID mismatch while paused: {cluster.Initialize} != {mine}");
        }

        var why = $"system ID mismatch, node {o.Me} belongs to a different cluster: {cluster.Initialize} != {mine}";
        return new(why, [new Exit(why)]);
    }

    private static HaDecision ClaimInitialize(Observation o, string sysid)
    {
        // Not a decision of its own: the write is prepended to whatever the rest of the cycle decides.
        var rest = NotRunning(o) ?? UnhealthyCluster(o);
        return rest with { Steps = [new WriteInitialize(sysid, CreateNew: true), .. rest.Steps] };
    }

    /// <summary>Step 10, ha.py:recover: start a stopped postgres in the role the lock says.</summary>
    private static HaDecision? NotRunning(Observation o)
    {
        if (o.Postgres.IsRunning)
        {
            return null;
        }

        if (o.Paused)
        {
            if (HoldsLock(o))
            {
                return new("removed leader lock because postgres is not running", [new ReleaseLock()]);
            }

            // Patroni's one exception in pause: a primary this agent demoted (switchover) is started as a replica
            // once the new leader allows it; any other stopped postgres is left alone.
            return o.RejoinPending && Upstream(o) is { } upstream
                ? new("starting as a secondary after demotion", [new StartAsReplica(upstream)])
                : HaDecision.NoSteps("postgres is not running");
        }

        if (StandbyNotRunning(o) is { } standby)
        {
            return standby;
        }

        var disable = new DisableWatchdog();
        var asReplica = new HaDecision("starting as a secondary", [disable, new StartAsReplica(Upstream(o))]);
        if (!HoldsLock(o))
        {
            return asReplica;
        }

        // Lock held: renew it first (never start a primary on a lock we may have lost), then either start
        // straight as primary when the data was a cleanly stopped or crashed primary, or read-only and promote next cycle.
        var lostLock = WithTouch(new HaDecision("starting as a secondary after failing to update leader lock in DCS", [disable, new StartAsReplica(null)]));
        // primary_start_timeout 0 (ha.py:recover): prefer failing over to restarting a crashed primary, if anyone can take over.
        if (o.Postgres.ClusterState == "in production" && o.Dynamic.PrimaryStartTimeout == 0 && AnyFailoverCandidate(o))
        {
            return new("stopped PostgreSQL to fail over after a crash", [disable, new UpdateLock(lostLock), new ReleaseLock(), new StartAsReplica(null)]);
        }

        if (o.Postgres.ClusterState is "shut down" or "in production")
        {
            var noWatchdog = WithTouch(new HaDecision("not starting as primary because watchdog could not be activated", [new ReleaseLock(), new StartAsReplica(null)]));
            return new("starting as primary because i had the session lock",
                [disable, new UpdateLock(lostLock), new ActivateWatchdog(noWatchdog), new StartAsPrimary()]);
        }

        return new("starting as readonly because i had the session lock", [disable, new UpdateLock(lostLock), new StartAsReplica(null)]);
    }

    /// <summary>
    /// ha.py:handle_starting_instance: the lock holder's postgres runs but does not answer yet (crash
    /// recovery after a crash of the primary). Keep the lock for up to primary_start_timeout; past it, stop postgres
    /// and release the lock if another member could take over, else keep waiting. Paused: the main branches decide.
    /// </summary>
    private static HaDecision? StartingWithLock(Observation o)
    {
        if (!HoldsLock(o) || o.Paused || IsStandbyCluster(o) || o.Postgres is not { IsRunning: true, IsAcceptingConnections: false, StartingSince: { } since })
        {
            return null;
        }

        var lockLost = new HaDecision("stopped PostgreSQL while starting up because leader key was lost", [new Demote(DemoteMode.ImmediateNoLock, null)]);
        var timeLeft = o.Dynamic.PrimaryStartTimeout - (o.Now - since).TotalSeconds;
        if (timeLeft > 0)
        {
            var waiting = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL is still starting up, {timeLeft:0} seconds until timeout");
            // Like ha.py's update_lock, a renewal kicks the fence and the watchdog: a long crash recovery is not fenced.
            return new(waiting, [new UpdateLock(WithTouch(lockLost)), new KeepaliveWatchdog()]);
        }

        return AnyFailoverCandidate(o)
            ? new("stopped PostgreSQL because of startup timeout", [new UpdateLock(WithTouch(lockLost)), new Demote(DemoteMode.Immediate, null)])
            : new("primary start has timed out, but continuing to wait because failover is not possible", [new UpdateLock(WithTouch(lockLost)), new KeepaliveWatchdog()]);
    }

    /// <summary>ha.py:process_healthy_cluster: the leader key exists.</summary>
    private static HaDecision HealthyCluster(Observation o)
    {
        if (IsStandbyCluster(o))
        {
            return StandbyHealthyCluster(o);
        }

        var primary = AcceptsWrites(o.Postgres);
        if (!HoldsLock(o))
        {
            var leader = o.Cluster!.Leader!.Name;
            return Follow(o, "demoting self because I do not have the lock and I was a leader",
                $"no action. I am ({o.Me}), a secondary, and following a leader ({leader})");
        }

        if (o.Paused && !primary)
        {
            // The named candidate of a paused failover holds the lock while its promotion completes.
            return o.Cluster!.Failover is { IsEmpty: false } f && f.Candidate == o.Me
                ? new("waiting to become primary after promote...", [new UpdateLock(WithTouch(HaDecision.NoSteps("not promoting because failed to update leader lock in DCS")))])
                : new("removed leader lock because postgres is not running as primary", [new ReleaseLock()]);
        }

        var lockLost = !primary ? HaDecision.NoSteps("not promoting because failed to update leader lock in DCS")
            : o.Paused ? HaDecision.NoSteps("continue to run as primary after failing to update leader lock in DCS")
            : new("demoted self because failed to update leader lock in DCS", [new Demote(DemoteMode.ImmediateNoLock, null)]);

        // Paused too: a failover to a named candidate still goes through the leader.
        var enforce = (primary ? ManualFailoverFromLeader(o) : null)
            ?? EnforcePrimaryRole(o, $"no action. I am ({o.Me}), the leader with the lock", "promoted self to leader because I had the session lock");
        return enforce with { Steps = [new UpdateLock(WithTouch(lockLost)), .. enforce.Steps] };
    }

    /// <summary>
    /// ha.py:process_manual_failover_from_leader: the failover key asks this leader to hand over.
    /// A graceful demote (checkpoint, fast stop: walsenders ship every WAL record to the replicas first),
    /// then the lock is released and this node follows the candidate. Null when there is nothing to do.
    /// </summary>
    private static HaDecision? ManualFailoverFromLeader(Observation o)
    {
        var cluster = o.Cluster!;
        if (cluster.Failover is not { IsEmpty: false } failover)
        {
            return null;
        }

        if (failover.ScheduledAt is { } at)
        {
            if (at > o.Now.AddSeconds(o.Dynamic.LoopWait))
            {
                return null;
            }

            if (at < o.Now.AddSeconds(-1.5 * Math.Max(1, o.Dynamic.LoopWait)))
            {
                return Cleared(o, failover, "Found a stale failover value, cleaning up");
            }
        }

        if (failover.Leader is { } leader && leader != o.Me)
        {
            return Cleared(o, failover, "manual failover: leader name does not match");
        }

        if (failover.Candidate == o.Me)
        {
            return Cleared(o, failover, "manual failover: I am already the leader, no need to failover");
        }

        if (o.Paused && failover.Candidate is null)
        {
            return Cleared(o, failover, "Failover is possible only to a specific candidate in a paused state");
        }

        if (failover.Candidate is { } wanted && !MaySucceed(o, wanted))
        {
            return Cleared(o, failover, $"manual failover: candidate {wanted} does not match with sync_standbys {string.Join(",", cluster.Sync.SyncStandbys)}");
        }

        var healthy = cluster.Members
            .Where(m => m.Name != o.Me && (failover.Candidate is null || m.Name == failover.Candidate) && MaySucceed(o, m.Name))
            .Where(m => m.Data.Role == MemberRole.Replica && m.Data.State == "running" && !m.Data.NoFailover)
            .OrderByDescending(m => m.Data.XlogLocation ?? 0)
            .ToList();
        var candidate = healthy.FirstOrDefault();
        if (failover.Candidate is null && QuorumHandoverShort(o, healthy.Count) is { } quorumShort)
        {
            return Cleared(o, failover, $"manual failover: {quorumShort}");
        }

        if (candidate is null)
        {
            return Cleared(o, failover, failover.Candidate is { } named
                ? $"manual failover: candidate {named} is not healthy, failover is not possible"
                : "manual failover: no healthy members found, failover is not possible");
        }

        var follow = new UpstreamTarget(candidate.Name, candidate.Data.ConnUrl);
        return new($"manual failover: demoting myself in favour of {candidate.Name}", [new Demote(DemoteMode.Graceful, follow)]);

        static HaDecision Cleared(Observation o, FailoverRequest f, string reason)
        {
            var keep = EnforcePrimaryRole(o, reason, reason);
            return keep with { Steps = [new ClearFailover(f.ModRevision), .. keep.Steps] };
        }
    }

    /// <summary>ha.py:process_unhealthy_cluster: no leader key, so race for it if we are the healthiest.</summary>
    private static HaDecision UnhealthyCluster(Observation o)
    {
        if (WhyNotHealthiest(o) is { } notHealthiest)
        {
            return NoFailover(o.Config)
                ? Follow(o, "demoting self because I am not allowed to become primary", "following a different leader because I am not allowed to promote")
                : Follow(o, "demoting self because i am not the healthiest node", $"following a different leader because i am not the healthiest node ({notHealthiest})");
        }

        var lost = AcceptsWrites(o.Postgres) && !o.Paused
            ? new HaDecision("demoted self after trying and failing to obtain lock", [new Demote(DemoteMode.ImmediateNoLock, null)])
            : HaDecision.NoSteps("following new leader after trying and failing to obtain lock");

        var enforce = IsStandbyCluster(o)
            ? StandbyLeaderFollow(o, "promoted self to a standby leader by acquiring session lock")
            : EnforcePrimaryRole(o, "acquired session lock as a leader", "promoted self to leader by acquiring session lock");
        List<HaStep> steps = [new AcquireLock(WithTouch(lost))];
        if (o.Cluster!.Failover is { IsEmpty: false } failover)
        {
            steps.Add(new ClearFailover(failover.ModRevision));
        }

        return enforce with { Steps = [.. steps, .. enforce.Steps] };
    }

    /// <summary>ha.py:enforce_primary_role, for a node that holds (or just took) the lock.</summary>
    private static HaDecision EnforcePrimaryRole(Observation o, string alreadyPrimary, string promoted)
    {
        if (AcceptsWrites(o.Postgres))
        {
            // In pause the watchdog is disabled, so it is not kicked either. Out of pause a disarmed fence (after a resume)
            // is armed again, or the primary stops: ha.py:enforce_primary_role activates a watchdog that is not running.
            List<HaStep> steps = o.Paused ? []
                : o.FenceArmed ? [new KeepaliveWatchdog()]
                : [new ActivateWatchdog(WithTouch(new HaDecision("Demoting self because watchdog could not be activated", [new Demote(DemoteMode.Immediate, null)])))];
            if (o.Postgres.WalPosition is { } wal)
            {
                steps.Add(new WriteStatus(wal.Value));
            }

            if (o.Postgres.Timeline is { } timeline && timeline > o.Cluster!.Timeline)
            {
                steps.Add(new WriteHistory(timeline));
            }

            if (o.Dynamic.Postgresql.UseSlots && o.Postgres.IsAcceptingConnections)
            {
                steps.Add(new SyncSlots(DesiredSlots(o)));
            }

            if (QuorumMode(o))
            {
                var (quorumSteps, note) = ProcessQuorumReplication(o, alreadyPrimary);
                return new(alreadyPrimary + note, [.. steps, .. quorumSteps]);
            }

            var pick = PickSyncStandbys(o);
            steps.AddRange(ProcessSyncReplication(o, alreadyPrimary, pick));
            return new(alreadyPrimary + SyncShortfall(o, pick), steps);
        }

        if (o.Paused)
        {
            // Only a paused failover's named candidate gets here (a paused non-primary lock holder releases
            // the lock): promote as Patroni does, without the watchdog, which is disabled in pause.
            return new(promoted, [.. PrePromoteGuard(o), .. BeforePromotion(o), new Promote()]);
        }

        var noWatchdog = WithTouch(new HaDecision("Not promoting self because watchdog could not be activated", [new ReleaseLock()]));
        return new(promoted, [.. PrePromoteGuard(o), .. BeforePromotion(o), new ActivateWatchdog(noWatchdog), new Promote()]);
    }

    /// <summary>
    /// postgresql/__init__.py:promote runs pre_promote first; ha.py:enforce_primary_role releases the lock when it fails,
    /// and is_healthiest_node then keeps this node out of the race for ttl.
    /// </summary>
    private static HaStep[] PrePromoteGuard(Observation o) =>
        string.IsNullOrWhiteSpace(o.Config.Postgresql.PrePromote)
            ? []
            : [new PrePromote(WithTouch(new HaDecision("Promotion cancelled because the pre-promote script failed", [new ReleaseLock()])))];

    /// <summary>ha.py:follow: a primary without the lock steps down; a replica points at the leader.</summary>
    private static HaDecision Follow(Observation o, string demoteReason, string followReason)
    {
        var upstream = Upstream(o);
        if (AcceptsWrites(o.Postgres))
        {
            return o.Paused
                ? HaDecision.NoSteps("continue to run as primary without lock")
                : new(demoteReason, [new Demote(DemoteMode.ImmediateNoLock, upstream)]);
        }

        if (o.Paused && upstream is null)
        {
            return HaDecision.NoSteps($"no action. I am ({o.Me})");
        }

        return o.Postgres.FollowingMember == upstream?.MemberName && !StuckBehindNewTimeline(o, upstream)
            ? HaDecision.NoSteps(followReason)
            : new(followReason, [new Follow(upstream, MustCheckDivergence(o, upstream))]);
    }

    /// <summary>
    /// A demoted primary (e.g. read-only while etcd was away) may hold WAL the new leader never got, and so may a replica
    /// re-pointed to a leader on a newer timeline (rewind.py checks running replicas too): it is stopped and checked
    /// like a former primary (pg_rewind) instead of just re-pointed.
    /// </summary>
    private static bool MustCheckDivergence(Observation o, UpstreamTarget? upstream) =>
        upstream is not null && (o.WasPrimarySinceRejoinCheck || UpstreamOnNewerTimeline(o, upstream));

    /// <summary>
    /// Pointed at the leader but not streaming while the leader is on a newer timeline: this replica may hold WAL
    /// of the old leader past the fork point; it is followed again, with the divergence check. A postmaster that
    /// started less than <see cref="FirstStreamingGrace"/> ago has not had its receiver's first attempts yet.
    /// </summary>
    private static bool StuckBehindNewTimeline(Observation o, UpstreamTarget? upstream) =>
        upstream is not null
        && o.Postgres is { IsRunning: true, IsInRecovery: true } && o.Postgres.ReceiverState != "streaming"
        && (o.Postgres.PostmasterStartTime is not { } started || o.Now - started >= FirstStreamingGrace)
        && UpstreamOnNewerTimeline(o, upstream);

    /// <summary>Two of postgres's default wal_retrieve_retry_interval (5 s): a receiver that can stream has by then.</summary>
    internal static readonly TimeSpan FirstStreamingGrace = TimeSpan.FromSeconds(10);

    /// <summary>The upstream's member key names a timeline newer than the one our postgres is on.</summary>
    private static bool UpstreamOnNewerTimeline(Observation o, UpstreamTarget upstream) =>
        o.Cluster?.FindMember(upstream.MemberName)?.Data.Timeline is { } leaderTimeline
        && o.Postgres.Timeline is { } mine && leaderTimeline > mine;

    private static HaDecision WithTouch(HaDecision d) =>
        d.Steps.Any(s => s is TouchMember or Exit) ? d : d with { Steps = [.. d.Steps, new TouchMember()] };

    private static bool HoldsLock(Observation o) => o.Cluster?.Leader?.Name == o.Me;

    /// <summary>
    /// Writable, or may be: a primary that stopped answering (postmaster.pid says ready, pg_control says in production, the
    /// status query timed out) still holds its clients' sessions. Treated as a primary, it keeps the lock and the fence
    /// fed, and is demoted rather than promoted again when the lock goes.
    /// </summary>
    private static bool AcceptsWrites(PostgresObservation pg) =>
        pg.IsRunning && (pg.IsInRecovery == false
            || pg is { IsInRecovery: null, IsAcceptingConnections: false, StartingSince: null, ClusterState: "in production" });

    private static bool NoFailover(AgentConfig config) =>
        config.Tags.TryGetValue("nofailover", out var v) && v is true or "true" or "True";

    private static bool IsValidSysid(string? value) => !string.IsNullOrEmpty(value) && value.All(char.IsAsciiDigit);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// ha.py:_get_node_to_follow: the replicatefrom member if tagged, else the leader; never ourselves. In a standby cluster
    /// the lock holder, and everyone while nobody holds it, follows the remote primary.
    /// </summary>
    private static UpstreamTarget? Upstream(Observation o)
    {
        var cluster = o.Cluster;
        if (cluster is null)
        {
            return null;
        }

        if (IsStandbyCluster(o) && (!cluster.IsLocked || HoldsLock(o)))
        {
            return Remote(o);
        }

        var target = o.Config.Tags.TryGetValue("replicatefrom", out var from) && from is string name && name != o.Me
            ? cluster.FindMember(name)
            : cluster.LeaderMember;
        return target is null || target.Name == o.Me ? null : new UpstreamTarget(target.Name, target.Data.ConnUrl);
    }

    /// <summary>postgresql/slots.py: one physical slot per other member, except those that replicate from someone else.</summary>
    /// <summary>Plus the permanent physical slots of the dynamic config (the seed's <c>patroni: {type: physical}</c>).</summary>
    private static HashSet<string> DesiredSlots(Observation o) =>
        o.Cluster!.Members
            .Where(m => m.Name != o.Me)
            .Where(m => !(m.Data.Tags?.TryGetValue("replicatefrom", out var f) == true && f is string s && s != o.Me && o.Cluster.FindMember(s) is not null))
            .Select(m => ReplicationSlotName.FromMemberName(m.Name))
            .Concat(o.Dynamic.Slots.Where(s => s.Value.Type == "physical").Select(s => s.Key))
            .ToHashSet(StringComparer.Ordinal);
}
