using Npgsql;
using NodeAgent.Cluster;

namespace NodeAgent.Postgres;

/// <summary>The SQL the agent runs on its own postgres; every call bounded by the connector's deadline.</summary>
internal sealed class PostgresSql
{
    // One round trip per observation. Functions that fail on the wrong role are guarded by CASE.
    // Timeline on a primary comes from the WAL file name of pg_current_wal_lsn(): pg_control_checkpoint()
    // lags right after promotion (pitfalls.md). On a replica: the receiver's TLI, else the checkpoint's.
    // pending_restart leaves out the recovery GUCs, which the agent writes (config.py ConfigHandler.reload_config).
    // restore_command tells a replica in archive recovery from one that is neither (Patroni 3.0.4 api.py:get_postgresql_status).
    private static readonly string StatusQuery = $"""
        SELECT r.rec,
          CASE WHEN r.rec THEN NULL ELSE pg_catalog.pg_current_wal_lsn()::text END,
          CASE WHEN r.rec THEN COALESCE((SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver), (pg_catalog.pg_control_checkpoint()).timeline_id)
               ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
          pg_catalog.pg_last_wal_receive_lsn()::text,
          pg_catalog.pg_last_wal_replay_lsn()::text,
          (extract(epoch FROM pg_catalog.pg_last_xact_replay_timestamp()) * 1000000)::bigint,
          CASE WHEN r.rec THEN pg_catalog.pg_is_wal_replay_paused() END,
          (SELECT status FROM pg_catalog.pg_stat_wal_receiver),
          current_setting('server_version_num')::int,
          (extract(epoch FROM pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint,
          (pg_catalog.pg_control_system()).system_identifier::text,
          EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE pending_restart AND name <> ALL (ARRAY[{SqlList(RecoveryParameters.Names)}])),
          COALESCE(current_setting('restore_command', true), '') <> ''
        FROM (SELECT pg_catalog.pg_is_in_recovery() AS rec) r
        """;

    // The settings first: a standby counts as synchronous only once it reached the flush position read with the
    // synchronous_standby_names in force (postgresql/sync.py:SyncHandler), so the rows must not be older than it.
    private const string ReplicationQuery = """
        SELECT current_setting('synchronous_standby_names'), current_setting('synchronous_commit'),
          pg_catalog.pg_current_wal_flush_lsn()::text;
        SELECT usename::text, application_name, client_addr::text, state, sync_state, sync_priority,
          pid, write_lsn::text, flush_lsn::text, replay_lsn::text
        FROM pg_catalog.pg_stat_replication ORDER BY application_name
        """;

    // Patroni 3.0.2 postgresql/bootstrap.py create_or_update_role: these SETs before, the RESETs after.
    // log_min_error_statement = log keeps the statement out of the log even when it fails.
    private const string StatementLoggingOff = """
        SET log_statement TO none;
        SET log_min_duration_statement TO -1;
        SET log_min_error_statement TO 'log';
        SET pg_stat_statements.track_utility TO 'off'
        """;

    private const string StatementLoggingReset = """
        RESET log_min_error_statement;
        RESET log_min_duration_statement;
        RESET log_statement;
        RESET pg_stat_statements.track_utility
        """;

    private readonly SqlConnector _connector;

    public PostgresSql(SqlConnector connector)
    {
        _connector = connector;
    }

    /// <summary>Closes the connection the per-cycle reads share (before postgres is stopped).</summary>
    public void CloseKeptConnection() => _connector.CloseKept();

    public Task<ServerStatus> StatusAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        _connector.RunReadAsync(async (c, ct) =>
        {
            await using var cmd = Cmd(StatusQuery, c, budget);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            return new ServerStatus(
                r.GetBoolean(0),
                LsnOrNull(r, 1),
                r.IsDBNull(2) ? null : r.GetInt32(2),
                LsnOrNull(r, 3),
                LsnOrNull(r, 4),
                MicrosOrNull(r, 5),
                r.IsDBNull(6) ? null : r.GetBoolean(6),
                r.IsDBNull(7) ? null : r.GetString(7),
                r.GetInt32(8),
                MicrosOrNull(r, 9),
                r.GetString(10),
                r.GetBoolean(11),
                r.GetBoolean(12));
        }, budget, cancellationToken);

    /// <summary>
    /// A primary's replication: its synchronous settings and flush position, then pg_stat_replication, on the kept
    /// connection. Its backend reads a reloaded synchronous_standby_names only once the postmaster's SIGHUP has reached
    /// it, so right after a reload of the agent's a value other than <paramref name="written"/> (what the agent last
    /// wrote; null: not known) is read again on a fresh connection. pg_stat_replication's sync_state is worked out by the
    /// querying backend under its own settings, so the rows and the value always agree.
    /// </summary>
    public Task<PrimaryReplication> ReplicationAsync(TimeSpan budget, string? written, CancellationToken cancellationToken) =>
        _connector.RunReadAsync(async (c, ct) =>
        {
            await using var cmd = Cmd(ReplicationQuery, c, budget);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            var names = StringOr(r, 0);
            var commit = StringOr(r, 1);
            var flush = LsnOrNull(r, 2);
            await r.NextResultAsync(ct);
            var rows = new List<ReplicationConnection>();
            while (await r.ReadAsync(ct))
            {
                rows.Add(new ReplicationConnection(
                    StringOr(r, 0), StringOr(r, 1), r.IsDBNull(2) ? null : r.GetString(2),
                    StringOr(r, 3), StringOr(r, 4), r.IsDBNull(5) ? 0 : r.GetInt32(5))
                {
                    Pid = r.IsDBNull(6) ? 0 : r.GetInt32(6),
                    WriteLsn = LsnOrNull(r, 7),
                    FlushLsn = LsnOrNull(r, 8),
                    ReplayLsn = LsnOrNull(r, 9),
                });
            }

            return new PrimaryReplication(names, commit, flush, rows);
        }, budget, cancellationToken, stale: r => written is null || r.SynchronousStandbyNames != written);

    /// <summary>The agent sent postgres SIGHUP (see <see cref="SqlConnector.NoteReloaded"/>).</summary>
    public void NoteReloaded() => _connector.NoteReloaded();

    // The promotion asks and then looks every 10 ms: on the kept connection, not a backend fork and an authentication
    // each time on a machine that is promoting. Both are safe to repeat (a second request only wakes the startup process).

    /// <summary>pg_promote(wait =&gt; false): true when the promotion signal was sent.</summary>
    public Task<bool> RequestPromoteAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        KeptScalarAsync<bool>("SELECT pg_catalog.pg_promote(false)", budget, cancellationToken);

    public Task<bool> IsInRecoveryAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        KeptScalarAsync<bool>("SELECT pg_catalog.pg_is_in_recovery()", budget, cancellationToken);

    private Task<T> KeptScalarAsync<T>(string sql, TimeSpan budget, CancellationToken cancellationToken) =>
        _connector.RunReadAsync(async (c, ct) =>
        {
            await using var cmd = Cmd(sql, c, budget);
            return (T)(await cmd.ExecuteScalarAsync(ct))!;
        }, budget, cancellationToken);

    public Task CheckpointAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        ExecuteAsync("CHECKPOINT", budget, cancellationToken);

    /// <summary>Runs one or more statements without results.</summary>
    public Task ExecuteAsync(string sql, TimeSpan budget, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        _connector.RunAsync(async (c, ct) =>
        {
            await using var cmd = Cmd(sql, c, budget);
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            await cmd.ExecuteNonQueryAsync(ct);
            return true;
        }, budget, cancellationToken);

    /// <summary>
    /// Runs a statement that carries a password with statement logging and pg_stat_statements' utility tracking off
    /// on the same connection, so the password reaches neither the server log nor pg_stat_statements. The SETs
    /// are sent on their own, before: a statement is logged on arrival, under the settings in force then.
    /// </summary>
    public Task ExecuteUnloggedAsync(string sql, TimeSpan budget, CancellationToken cancellationToken) =>
        _connector.RunAsync(async (c, ct) =>
        {
            await using (var off = Cmd(StatementLoggingOff, c, budget))
            {
                await off.ExecuteNonQueryAsync(ct);
            }

            await using (var cmd = Cmd(sql, c, budget))
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }

            // After a failure there is nothing to reset: the connection is closed right after (no pooling).
            await using (var reset = Cmd(StatementLoggingReset, c, budget))
            {
                await reset.ExecuteNonQueryAsync(ct);
            }

            return true;
        }, budget, cancellationToken);

    public Task<T> ScalarAsync<T>(string sql, TimeSpan budget, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        _connector.RunAsync(async (c, ct) =>
        {
            await using var cmd = Cmd(sql, c, budget);
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            var result = await cmd.ExecuteScalarAsync(ct);
            return (T)result!;
        }, budget, cancellationToken);

    /// <summary>Physical and logical slots: name, type, active.</summary>
    public Task<IReadOnlyList<(string Name, string Type, bool Active)>> SlotsAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        _connector.RunReadAsync<IReadOnlyList<(string, string, bool)>>(async (c, ct) =>
        {
            await using var cmd = new NpgsqlCommand("SELECT slot_name::text, slot_type, active FROM pg_catalog.pg_replication_slots", c);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var rows = new List<(string, string, bool)>();
            while (await r.ReadAsync(ct))
            {
                rows.Add((r.GetString(0), r.GetString(1), r.GetBoolean(2)));
            }

            return rows;
        }, budget, cancellationToken);

    // The command timeout follows the call's budget (the connection default is small).
    private static NpgsqlCommand Cmd(string sql, NpgsqlConnection c, TimeSpan budget) =>
        new(sql, c) { CommandTimeout = Math.Max(1, (int)Math.Ceiling(budget.TotalSeconds)) };

    private static string SqlList(IEnumerable<string> names) => string.Join(", ", names.Select(n => "'" + n + "'"));

    private static Lsn? LsnOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : Lsn.Parse(r.GetString(i));

    private static DateTimeOffset? MicrosOrNull(NpgsqlDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTimeOffset.UnixEpoch.AddTicks(r.GetInt64(i) * 10);

    private static string StringOr(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? "" : r.GetString(i);
}
