using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NodeAgent.Cluster;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;
using NodeAgent.Postgres;

namespace NodeAgent.Ctl.Commands;

/// <summary>
/// <c>query</c>: runs SQL on the leader, on a member with a role, or on a named member, and prints the rows
/// (tsv by default). Errors become one row "timestamp, ERROR, SQLSTATE: ..." as in patronictl.
/// </summary>
internal static class QueryCommand
{
    public static CommandSpec Spec { get; } = new(
        "query",
        "Query a Patroni PostgreSQL member",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Text("Output format (pretty, tsv, json, yaml)", "--format"),
            OptionSpec.Typed("FILENAME", "Execute the SQL commands from this file", "-f", "--file"),
            OptionSpec.Flag("force password prompt", "--password"),
            OptionSpec.Text("database user name", "-U", "--username"),
            OptionSpec.Flag("Auto update the screen every 2 seconds", "-W"),
            OptionSpec.Typed("FLOAT", "Auto update the screen every X seconds", "-w", "--watch"),
            OptionSpec.Typed(MemberSelection.RoleMetavar, "The role of the query", "-r", "--role"),
            OptionSpec.Text("Query a specific member", "-m", "--member"),
            OptionSpec.Text("The column delimiter", "--delimiter"),
            OptionSpec.Text("The SQL commands to execute", "-c", "--command"),
            OptionSpec.Text("database name to connect to", "-d", "--dbname"),
        ],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        RunAsync);

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var (role, member) = DsnCommand.RoleOrMember(args);
        var file = args.Value("file");
        var command = args.Value("command");
        if (file is not null && command is not null)
        {
            throw new CtlException("--file and --command are mutually exclusive options");
        }

        command ??= file is not null ? await File.ReadAllTextAsync(file, ct).ConfigureAwait(false)
            : throw new CtlException("You need to specify either --command or --file");
        var formatName = args.Value("format") ?? "tsv";
        if (!OutputPrinter.TryParseFormat(formatName, out var format))
        {
            throw new CtlException($"Unknown output format: {formatName}");
        }

        var password = args.Flag("password") ? ctx.Console.Prompt("Password") : null;
        using var dcs = ctx.OpenDcs(ctx.ClusterName(args.Argument("CLUSTER_NAME")));
        var interval = args.Number("watch") ?? (args.Flag("W") ? 2 : (double?)null);
        while (true)
        {
            var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
            var (columns, rows) = await QueryOnceAsync(ctx, view, role, member, command, args.Value("username"), password, args.Value("dbname"), ct).ConfigureAwait(false);
            ctx.Console.Out.Write(OutputPrinter.Render(columns ?? [], rows, new Dictionary<string, CellAlign>(), format, header: null, args.Value("delimiter") ?? "\t"));
            if (interval is not { } seconds)
            {
                return 0;
            }

            await Task.Delay(TimeSpan.FromSeconds(seconds), ctx.Time, ct).ConfigureAwait(false);
        }
    }

    private static async Task<(IReadOnlyList<string>? Columns, List<JsonNode?[]> Rows)> QueryOnceAsync(
        CtlContext ctx, ClusterView view, string role, string? memberName, string sql, string? user, string? password, string? dbname, CancellationToken ct)
    {
        var target = MemberSelection.ByRole(view, role).FirstOrDefault(m => memberName is null || m.Name == memberName);
        var unavailable = memberName is not null ? $"No connection to member {memberName} is available" : $"No connection to role={role} is available";
        if (target is null)
        {
            return (null, [Row(ctx, unavailable)]);
        }

        try
        {
            await using var connection = NpgsqlSources.QueryConnection(ConnectionString(target, user, password, dbname));
            await connection.OpenAsync(ct).ConfigureAwait(false);
            if (role is not ("any" or "leader"))
            {
                await using var check = new NpgsqlCommand("SELECT pg_catalog.pg_is_in_recovery()", connection);
                var inRecovery = (bool)(await check.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                if (inRecovery != (role is "replica" or "standby" or "standby-leader"))
                {
                    return (null, [Row(ctx, unavailable)]);
                }
            }

            await using var cmd = new NpgsqlCommand(sql, connection);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var rows = new List<JsonNode?[]>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => (JsonNode?)JsonValue.Create(PyText(Cell(reader, i))))]);
            }

            return (columns, rows);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            var message = (e as PostgresException)?.SqlState ?? e.Message;
            return (null, [Row(ctx, "ERROR, SQLSTATE: " + message.Replace('\n', ' '))]);
        }
    }

    /// <summary>A cell's value; one of a type the query connection does not read (arrays, records) shows that type.</summary>
    private static object Cell(NpgsqlDataReader reader, int i)
    {
        if (reader.IsDBNull(i))
        {
            return DBNull.Value;
        }

        try
        {
            return reader.GetValue(i);
        }
        catch (InvalidCastException)
        {
            return "<" + reader.GetDataTypeName(i) + ">";
        }
    }

    private static JsonNode?[] Row(CtlContext ctx, string message) => [JsonValue.Create(ctx.Timestamp(0)), JsonValue.Create(message)];

    private static string ConnectionString(Member member, string? user, string? password, string? dbname)
    {
        var (host, port) = ConnUrl.HostAndPort(member.Data.ConnUrl);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port ?? 5432,
            ApplicationName = "Patroni ctl",
            Timeout = 5,
            Pooling = false,
            // As libpq without a Kerberos credential cache: no GSS, so no reverse DNS lookup of the host first.
            GssEncryptionMode = GssEncryptionMode.Disable,
        };
        if (user is not null)
        {
            builder.Username = user;
        }

        if (password is not null)
        {
            builder.Password = password;
        }

        if (dbname is not null)
        {
            builder.Database = dbname;
        }

        return builder.ConnectionString;
    }

    /// <summary>Python's str() of what psycopg returns, for the common types.</summary>
    private static string PyText(object value) => value switch
    {
        DBNull => "None",
        bool b => b ? "True" : "False",
        DateTime dt => dt.ToString(dt.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)
            + (dt.Kind == DateTimeKind.Utc ? "+00:00" : ""),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "None",
    };
}
