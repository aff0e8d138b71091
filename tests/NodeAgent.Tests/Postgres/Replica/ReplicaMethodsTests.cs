using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Replica;

namespace NodeAgent.Tests.Postgres.Replica;

/// <summary>bootstrap.py:create_replica's order and argument conventions.</summary>
public sealed class ReplicaMethodsTests
{
    private static readonly UpstreamTarget Leader = new("u4", "postgres://127.0.0.4:5432/postgres");
    private static readonly PostgresUser Replicator = new() { Username = "replicator", Password = "secret" };

    private static ReplicaMethodConfig Method(string command, bool keepData = false, bool noParams = false, bool noLeader = false, params (string Key, string Value)[] written) =>
        new(command, keepData, noParams, noLeader, [.. written.Select(w => new KeyValuePair<string, string>(w.Key, w.Value))]);

    private static PostgresqlConfig Config(IReadOnlyList<string> order, params (string Name, ReplicaMethodConfig Method)[] methods) => new()
    {
        CreateReplicaMethods = order,
        ReplicaMethods = methods.ToDictionary(m => m.Name, m => m.Method),
    };

    [Fact]
    public void Default_arguments_follow_the_section_then_scope_role_datadir_connstring()
    {
        var m = Method("/usr/bin/restore --stanza 'my stanza'", written: [("keep_data", "True"), ("target", "x")]);
        var args = ReplicaMethods.CommandLine(m, "PGC1", "/var/lib/pg/data", "dbname=postgres user=replicator host=127.0.0.4 port=5432");
        Assert.Equal(
            ["/usr/bin/restore", "--stanza", "my stanza", "--keep_data=True", "--target=x", "--scope=PGC1", "--role=replica",
             "--datadir=/var/lib/pg/data", "--connstring=dbname=postgres user=replicator host=127.0.0.4 port=5432"],
            args);
    }

    [Fact]
    public void A_section_key_named_like_an_agent_argument_keeps_its_place_and_takes_the_agents_value()
    {
        var m = Method("restore", written: [("datadir", "/elsewhere"), ("x", "1")]);
        Assert.Equal(["restore", "--datadir=/d", "--x=1", "--scope=s", "--role=replica", "--connstring="], ReplicaMethods.CommandLine(m, "s", "/d", ""));
    }

    [Fact]
    public void No_params_drops_the_agent_arguments_and_the_flags_but_keeps_other_keys()
    {
        var m = Method("pgbackrest --stanza=main --delta restore", keepData: true, noParams: true, noLeader: true,
            written: [("keep_data", "True"), ("no_params", "True"), ("no_master", "True"), ("no_leader", "True"), ("type", "standby")]);
        Assert.Equal(["pgbackrest", "--stanza=main", "--delta", "restore", "--type=standby"], ReplicaMethods.CommandLine(m, "s", "/d", "c"));
    }

    [Fact]
    public void Empty_command_is_refused()
    {
        Assert.Throws<FormatException>(() => ReplicaMethods.CommandLine(Method("  "), "s", "/d", ""));
    }

    [Fact]
    public void Methods_are_tried_in_the_order_written_and_an_empty_list_means_basebackup()
    {
        var config = Config(["restore", "basebackup", "other"], ("restore", Method("r")), ("other", Method("o")));
        Assert.Equal(["restore", "basebackup", "other"], ReplicaMethods.Order(config, hasSource: true).Select(m => m.Name));
        Assert.True(ReplicaMethods.Order(config, hasSource: true)[1].IsBasebackup);
        Assert.Equal(["basebackup"], ReplicaMethods.Order(Config([]), hasSource: true).Select(m => m.Name));
    }

    [Fact]
    public void Without_a_source_only_no_leader_methods_remain()
    {
        var config = Config(["basebackup", "restore", "needs"], ("restore", Method("r", noLeader: true)), ("needs", Method("n")));
        Assert.Equal(["restore"], ReplicaMethods.Order(config, hasSource: false).Select(m => m.Name));
        Assert.True(ReplicaMethods.CanWorkWithoutLeader(config));
        Assert.False(ReplicaMethods.CanWorkWithoutLeader(Config(["basebackup", "needs"], ("needs", Method("n")))));
    }

    [Fact]
    public void A_method_without_a_section_is_skipped()
    {
        Assert.Equal(["basebackup"], ReplicaMethods.Order(Config(["missing", "basebackup"]), hasSource: true).Select(m => m.Name));
    }

    [Fact]
    public void Connstring_is_patronis_format_dsn_without_the_password()
    {
        Assert.Equal("dbname=postgres user=replicator host=127.0.0.4 port=5432", ReplicaMethods.ConnString(Leader, Replicator, "other"));
        var ssl = Replicator with { SslMode = "require" };
        Assert.Equal("dbname=db user=replicator host=h port=6000 sslmode=require",
            ReplicaMethods.ConnString(new UpstreamTarget("u", "postgres://h:6000/db"), ssl, "postgres"));
        Assert.Equal("", ReplicaMethods.ConnString(null, Replicator, "postgres"));
    }

    [Fact]
    public void Pgpass_line_escapes_colons_and_backslashes()
    {
        Assert.Equal("127.0.0.4:5432:*:rep\\:l:p\\\\w\\:d\n", PostgresInstance.PgPassLine("127.0.0.4", 5432, "rep:l", "p\\w:d"));
    }
}
