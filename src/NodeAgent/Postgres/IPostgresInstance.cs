using NodeAgent.Cluster;

namespace NodeAgent.Postgres;

/// <summary>
/// Where to stream from: the leader's member name and its connection URL. <paramref name="Remote"/> is set for the
/// primary of another cluster a standby leader follows (Patroni's RemoteMember); its ConnUrl is empty when the
/// standby_cluster section names only a restore_command.
/// </summary>
public sealed record UpstreamTarget(string MemberName, string ConnUrl, NodeAgent.Configuration.StandbyClusterConfig? Remote = null);

/// <summary>
/// The local postgres, as the HA executor drives it. The implementation owns the postmaster as a child
/// process, writes the config files and runs initdb/pg_basebackup through the one process runner.
/// Every method is bounded by its own deadline and never hangs on a stuck server.
/// </summary>
public interface IPostgresInstance : IAsyncDisposable
{
    /// <summary>
    /// Sets the dynamic config (config key merged with local settings as <c>postgresql/config.py:ConfigHandler</c> does) used for the config files.
    /// Rewrites them and reloads a running server when something changed; returns true when a restart is pending.
    /// </summary>
    Task<bool> ApplyDynamicConfigAsync(NodeAgent.Configuration.DynamicConfig dynamic, CancellationToken cancellationToken);

    /// <summary>SIGHUP: takes the re-read local config and rewrites/reloads the config files if they changed.</summary>
    Task<bool> ReloadLocalConfigAsync(NodeAgent.Configuration.AgentConfig config, CancellationToken cancellationToken);

    /// <summary>
    /// This server accepted writes since its data was last checked against a leader (e.g. a primary demoted
    /// because etcd was unreachable): before it follows anyone its WAL must be checked for divergence.
    /// </summary>
    bool WasPrimarySinceRejoinCheck { get; }

    /// <summary>
    /// The leader changed to one on a newer timeline: this replica may have received WAL from the old leader
    /// past the fork point, so the next start as a replica must check for divergence first.
    /// </summary>
    void RequireDivergenceCheck();

    /// <summary>Observes data dir, process and (if running) SQL state. Never throws for a down server.</summary>
    Task<PostgresObservation> ObserveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Waits until the running postmaster says it accepts connections (postmaster.pid "ready" or "standby");
    /// false when postgres exits or the timeout passes. Lets the HA loop look again the moment a start finishes.
    /// </summary>
    Task<bool> WaitAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// bootstrap.py:bootstrap: initdb with bootstrap.initdb options and the superuser pwfile, or the custom
    /// bootstrap.method's command; then pg_hba from bootstrap.pg_hba. Throws when it fails.
    /// </summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The first start of a new cluster as primary. After a custom method with recovery_conf it recovers first (to its
    /// target) and returns once postgres left recovery, with the recovery settings gone; false when postgres stopped or
    /// did not get there in time.
    /// </summary>
    Task<bool> StartBootstrappedAsync(CancellationToken cancellationToken);

    /// <summary>bootstrap.post_bootstrap (post_init) with the superuser's connection string; throws when it exits non-zero.</summary>
    Task RunPostBootstrapAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates the data dir with create_replica_methods in order (pg_basebackup from <paramref name="source"/>, or an
    /// operator's command); null: no leader, only the methods marked no_leader. Throws when every method failed, with
    /// the data dir left empty.
    /// </summary>
    Task CloneFromAsync(UpstreamTarget? source, CancellationToken cancellationToken);

    /// <summary>
    /// Writes postgresql.conf / pg_hba / recovery settings for the given role and starts the postmaster.
    /// <paramref name="upstream"/> null and <paramref name="asPrimary"/> false: standby without primary_conninfo (read-only, no leader).
    /// Returns when postgres accepts connections or the start timeout passes (false).
    /// </summary>
    Task<bool> StartAsync(bool asPrimary, UpstreamTarget? upstream, CancellationToken cancellationToken);

    /// <summary>
    /// A switchover demotes this primary: for postgresql.demoted_client_holdoff seconds from now every start as a replica
    /// listens on the unix socket only, until a proxy's health checks can have taken it out of the primary backend.
    /// </summary>
    void HoldOffClientsAfterSwitchover();

    /// <summary>Ends the client hold-off: restarts postgres to listen where postgresql.listen says. Nothing when there is none.</summary>
    Task OpenToClientsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The new primary the TCP clients of a held-off node are relayed to (postgresql.demoted_client_relay); null: none
    /// known to be running as primary, they wait. The HA loop tells it after each look at the DCS.
    /// </summary>
    void RelayHeldOffClientsTo(Relay.RelayTarget? target);

    /// <summary>
    /// POST /restart (postgresql.restart): a fast stop after a CHECKPOINT, then a start in the role the data directory
    /// has (standby.signal: a replica of the same upstream) with the config files rewritten, so pending settings apply.
    /// Waits up to <paramref name="startTimeout"/> for connections.
    /// </summary>
    Task<RestartOutcome> RestartAsync(TimeSpan startTimeout, CancellationToken cancellationToken);

    /// <summary>Empties the data directory for a re-clone (POST /reinitialize). Postgres must be stopped.</summary>
    Task RemoveDataDirectoryAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A CHECKPOINT within <paramref name="budget"/>, before a stop that should be short; one that fails or runs out of time
    /// is logged and left to the shutdown checkpoint.
    /// </summary>
    Task CheckpointBeforeStopAsync(TimeSpan budget, CancellationToken cancellationToken);

    /// <summary>Stops the postmaster. With <paramref name="checkpoint"/> a CHECKPOINT is issued first (switchover/shutdown).</summary>
    Task StopAsync(StopMode mode, bool checkpoint, CancellationToken cancellationToken);

    /// <summary>pg_promote(); returns as soon as the server left recovery (it takes writes from then on).</summary>
    Task<bool> PromoteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// After a successful <see cref="PromoteAsync"/>: the configuration files brought in line with the new role (upstream
    /// lines dropped, standby.signal gone, reload) and the checkpoint Patroni's rewind waits for started. Split from the
    /// promotion so that routing can move to the new primary before these writes and their fsyncs.
    /// </summary>
    Task FinishPromotionAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Re-points primary_conninfo/primary_slot_name to a new upstream; reloads (PG 13+ applies it without restart).</summary>
    Task FollowAsync(UpstreamTarget? upstream, CancellationToken cancellationToken);

    /// <summary>Creates/alters the superuser, replication and rewind roles after bootstrap, then checkpoints.</summary>
    Task CreateRolesAsync(CancellationToken cancellationToken);

    /// <summary>Makes the primary's physical slots equal to the desired set (creates missing, drops inactive unknown).</summary>
    Task SyncReplicationSlotsAsync(IReadOnlySet<string> desiredPhysicalSlots, CancellationToken cancellationToken);

    /// <summary>
    /// Synchronous mode: the synchronous_standby_names the leader chose (null: none chosen; strict mode then writes '*').
    /// Rewrites postgresql.conf and reloads when it changed; true when it changed. Starting as a replica clears it.
    /// </summary>
    /// <param name="reload">Postgres runs another value: rewrite the file and reload even if the value is the one chosen.</param>
    Task<bool> SetSynchronousStandbyNamesAsync(string? value, bool reload, CancellationToken cancellationToken);

    /// <summary>SIGHUP after rewriting config files (e.g. dynamic parameters changed).</summary>
    Task ReloadAsync(CancellationToken cancellationToken);

    /// <summary>Reads the history file of the current timeline as history-key rows.</summary>
    Task<IReadOnlyList<TimelineHistoryEntry>> ReadTimelineHistoryAsync(int timeline, CancellationToken cancellationToken);

    /// <summary>
    /// Before a stopped postgres starts as a replica of <paramref name="upstream"/>: when the data dir was last a
    /// primary, checks it against the leader's timeline history and, if it diverged, runs pg_rewind (after
    /// single-user crash recovery when needed), or empties the data dir when remove_data_directory_* allow it.
    /// Start only when <see cref="Rewind.RejoinResult.CanStart"/>.
    /// </summary>
    Task<Rewind.RejoinResult> PrepareRejoinAsync(UpstreamTarget upstream, NodeAgent.Configuration.DynamicConfig dynamic, CancellationToken cancellationToken);
}
