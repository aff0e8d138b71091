using System.Globalization;
using System.Text;
using Npgsql;
using NodeAgent.Cluster;
using NodeAgent.Configuration;

namespace NodeAgent.Postgres.Rewind;

/// <summary>What the leader said about itself.</summary>
internal sealed record LeaderState(bool InRecovery, int? Timeline, int? CheckpointTimeline, Lsn? WalPosition, string? HistoryText);

/// <summary>
/// SQL on the leader with the rewind credentials (the rewind user, else the superuser): is it a primary, on which
/// timeline, and that timeline's history file. Only functions the rewind user is granted are used
/// (pg_stat_file, pg_read_binary_file with a length), so a dedicated rewind user works as well as a superuser.
/// </summary>
internal sealed class LeaderProbe
{
    private const string StateQuery = """
        SELECT r.rec,
          CASE WHEN r.rec THEN NULL ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
          (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()),
          CASE WHEN r.rec THEN NULL ELSE pg_catalog.pg_current_wal_lsn()::text END
        FROM (SELECT pg_catalog.pg_is_in_recovery() AS rec) r
        """;

    private const string HistoryQuery =
        "SELECT pg_catalog.pg_read_binary_file(@p, 0, (pg_catalog.pg_stat_file(@p, true)).size, true)";

    private readonly SqlConnector _connector;
    private readonly TimeSpan _budget;

    public LeaderProbe(string connectionString, TimeSpan budget)
    {
        _connector = new SqlConnector(() => connectionString);
        _budget = budget;
    }

    /// <summary>Who pg_rewind and the check connect as: the rewind user when configured, else the superuser.</summary>
    public static PostgresUser Credentials(PostgresAuthentication auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        return auth.Rewind ?? auth.Superuser;
    }

    /// <summary>An Npgsql connection string to the leader's conn_url host and port.</summary>
    public static string ConnectionString(UpstreamTarget leader, PostgresUser user, string database)
    {
        ArgumentNullException.ThrowIfNull(leader);
        ArgumentNullException.ThrowIfNull(user);
        var (host, port) = ConnInfo.HostPort(leader.ConnUrl);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = user.Username,
            Password = user.Password,
            Database = database,
            Timeout = 3,
            CommandTimeout = 5,
            Pooling = false,
            ApplicationName = "node-agent rewind check",
            SslMode = SslMode(user.SslMode),
            GssEncryptionMode = GssEncryptionMode(user.GssEncMode),
        };
        if (user.SslRootCert is { } root)
        {
            builder.RootCertificate = root;
        }

        if (user.SslCert is { } cert)
        {
            builder.SslCertificate = cert;
            builder.SslKey = user.SslKey;
            builder.SslPassword = user.SslPassword;
        }

        return builder.ConnectionString;
    }

    public Task<LeaderState> ReadAsync(CancellationToken cancellationToken) =>
        _connector.RunAsync(async (c, ct) =>
        {
            bool rec;
            int? timeline;
            int? checkpointTimeline;
            Lsn? position;
            await using (var cmd = new NpgsqlCommand(StateQuery, c))
            {
                await using var r = await cmd.ExecuteReaderAsync(ct);
                await r.ReadAsync(ct);
                rec = r.GetBoolean(0);
                timeline = r.IsDBNull(1) ? null : r.GetInt32(1);
                checkpointTimeline = r.IsDBNull(2) ? null : r.GetInt32(2);
                position = r.IsDBNull(3) ? null : Lsn.Parse(r.GetString(3));
            }

            string? history = null;
            if (timeline is > 1)
            {
                await using var cmd = new NpgsqlCommand(HistoryQuery, c);
                cmd.Parameters.AddWithValue("p", "pg_wal/" + TimelineHistoryFile.FileName(timeline.Value));
                var bytes = await cmd.ExecuteScalarAsync(ct);
                history = bytes is byte[] b ? Encoding.UTF8.GetString(b) : null;
            }

            return new LeaderState(rec, timeline, checkpointTimeline, position, history);
        }, _budget, cancellationToken);

    /// <summary>CHECKPOINT on the leader, so its pg_control names the new timeline (pg_rewind reads it from there).</summary>
    public Task CheckpointAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        _connector.RunAsync(async (c, ct) =>
        {
            await using var cmd = new NpgsqlCommand("CHECKPOINT", c) { CommandTimeout = (int)Math.Ceiling(budget.TotalSeconds) };
            await cmd.ExecuteNonQueryAsync(ct);
            return true;
        }, budget, cancellationToken);

    /// <summary>
    /// libpq's gssencmode=prefer (its default) tries GSS only when a Kerberos credential cache exists; Npgsql's Prefer
    /// first looks the host's name up by reverse DNS, a lookup no timeout of ours can cut short. So only a configured
    /// prefer or require asks Npgsql for GSS encryption.
    /// </summary>
    internal static GssEncryptionMode GssEncryptionMode(string? libpqMode) => libpqMode?.ToLower(CultureInfo.InvariantCulture) switch
    {
        "prefer" => Npgsql.GssEncryptionMode.Prefer,
        "require" => Npgsql.GssEncryptionMode.Require,
        _ => Npgsql.GssEncryptionMode.Disable,
    };

    private static SslMode SslMode(string? libpqMode) => libpqMode?.ToLower(CultureInfo.InvariantCulture) switch
    {
        "disable" => Npgsql.SslMode.Disable,
        "allow" => Npgsql.SslMode.Allow,
        "require" => Npgsql.SslMode.Require,
        "verify-ca" => Npgsql.SslMode.VerifyCA,
        "verify-full" => Npgsql.SslMode.VerifyFull,
        _ => Npgsql.SslMode.Prefer,
    };
}
