using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

public sealed class ParsingTests
{
    [Theory]
    [InlineData("u4", "u4")]
    [InlineData("Node-1.example.com", "node_1_example_com")]
    [InlineData("a b", "au0032b")]
    [InlineData("é", "u0233")]
    public void Slot_names_follow_patroni(string member, string slot) => Assert.Equal(slot, SlotNames.FromMemberName(member));

    [Fact]
    public void Slot_names_are_truncated_to_63()
    {
        Assert.Equal(63, SlotNames.FromMemberName(new string('a', 100)).Length);
    }

    [Fact]
    public void Controldata_fields_are_parsed()
    {
        string[] lines =
        [
            "pg_control version number:            1300",
            "Database system identifier:           7312345678901234567",
            "Database cluster state:               shut down in recovery",
            "Latest checkpoint location:           0/3000028",
            "Latest checkpoint's TimeLineID:       3",
            "wal_log_hints setting:                on",
            "Data page checksum version:           0",
        ];
        var c = ControlData.Parse(lines);
        Assert.Equal("7312345678901234567", c.SystemIdentifier);
        Assert.Equal("shut down in recovery", c.ClusterState);
        Assert.Equal(3, c.Timeline);
        Assert.Equal("0/3000028", c.CheckpointLocation);
        Assert.Equal(0, c.DataChecksumVersion);
        Assert.True(c.WalLogHints);
        Assert.True(c.CanRewind);
    }

    [Fact]
    public void Timeline_history_rows_are_parsed()
    {
        var rows = TimelineHistoryFile.Parse("1\t0/3000060\tno recovery target specified\n\n2\t1/A0\tbefore 2024\n");
        Assert.Equal(2, rows.Count);
        Assert.Equal(1, rows[0].Timeline);
        Assert.Equal(0x3000060UL, rows[0].SwitchLsn);
        Assert.Equal("no recovery target specified", rows[0].Reason);
        Assert.Equal((1UL << 32) | 0xA0, rows[1].SwitchLsn);
        Assert.Equal("00000002.history", TimelineHistoryFile.FileName(2));
        Assert.Equal("0000000A.history", TimelineHistoryFile.FileName(10));
    }

    [Fact]
    public void Postmaster_pid_file_is_parsed()
    {
        var f = PostmasterPidFile.Parse(["4242", "/data", "1700000000", "5432", "/tmp", "*", "  1234   5", "ready   "]);
        Assert.NotNull(f);
        Assert.Equal(4242, f!.Pid);
        Assert.Equal("/data", f.DataDir);
        Assert.True(f.IsReady);
        Assert.False(PostmasterPidFile.Parse(["4242", "/data", "1", "5432", "/tmp", "*", "1", "starting"])!.IsReady);
        Assert.Null(PostmasterPidFile.Parse(["garbage"]));
    }

    [Fact]
    public void Tool_options_become_arguments_and_forbidden_ones_are_rejected()
    {
        Assert.Equal(["--data-checksums", "--encoding=UTF8"], ToolOptions.ToArguments(["data-checksums", "encoding=UTF8"], ToolOptions.ForbiddenInitdb, "initdb"));
        Assert.Throws<ArgumentException>(() => ToolOptions.ToArguments(["pgdata=/x"], ToolOptions.ForbiddenInitdb, "initdb"));
        Assert.Throws<ArgumentException>(() => ToolOptions.ToArguments(["nosync"], ToolOptions.ForbiddenInitdb, "initdb"));
        Assert.Throws<ArgumentException>(() => ToolOptions.ToArguments(["host=x"], ToolOptions.ForbiddenBasebackup, "pg_basebackup"));
        Assert.Equal(["--max-rate=100M"], ToolOptions.ToArguments(["max-rate=100M"], ToolOptions.ForbiddenBasebackup, "pg_basebackup"));
    }

    [Fact]
    public void Conninfo_values_are_escaped()
    {
        Assert.Equal(@"user=a password=it\'s\ x host=h", ConnInfo.Format([new("user", "a"), new("password", "it's x"), new("host", "h"), new("sslkey", null)]));
        Assert.Equal(("10.0.0.5", 5433), ConnInfo.HostPort("postgres://10.0.0.5:5433/postgres"));
    }

    [Fact]
    public void Role_sql_quotes_names_and_passwords()
    {
        var sql = RoleStatements.CreateOrAlter("we\"ird", "pa'ss", "REPLICATION LOGIN");
        Assert.Contains("CREATE ROLE \"we\"\"ird\" WITH REPLICATION LOGIN PASSWORD 'pa''ss'", sql, StringComparison.Ordinal);
        Assert.Contains("rolname = 'we\"ird'", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_statement_with_a_password_runs_unlogged_and_the_grants_do_not()
    {
        var auth = new NodeAgent.Configuration.PostgresAuthentication
        {
            Superuser = new() { Username = "postgres", Password = "su-pw" },
            Replication = new() { Username = "replicator", Password = "repl-pw" },
            Rewind = new() { Username = "rewinder", Password = "rw-pw" },
        };
        var users = new Dictionary<string, NodeAgent.Configuration.BootstrapUser> { ["app"] = new("app-pw", ["CREATEDB"]) };

        var statements = RoleStatements.For(auth, users);

        Assert.Equal(4, statements.Count(s => s.Unlogged));
        Assert.All(statements.Where(s => s.Sql.Contains("PASSWORD", StringComparison.Ordinal)), s => Assert.True(s.Unlogged));
        Assert.All(statements.Where(s => s.Sql.StartsWith("GRANT", StringComparison.Ordinal)), s => Assert.False(s.Unlogged));
        Assert.Equal(4, statements.Count(s => s.Sql.StartsWith("GRANT", StringComparison.Ordinal)));
    }
}
