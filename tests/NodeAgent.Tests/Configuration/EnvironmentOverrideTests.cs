using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class EnvironmentOverrideTests
{
    private static AgentConfig Load(Dictionary<string, string> env, string? yaml = null)
    {
        var result = ConfigLoader.ReadText(yaml ?? SeedConfig.Text, env, checkMachine: false);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Config!;
    }

    [Fact]
    public void Environment_wins_over_the_file()
    {
        var config = Load(new()
        {
            ["PATRONI_NAME"] = "u5",
            ["PATRONI_SCOPE"] = "other",
            ["PATRONI_NAMESPACE"] = "/db/",
            ["PATRONI_RESTAPI_LISTEN"] = "127.0.0.1:8010",
            ["PATRONI_RESTAPI_USERNAME"] = "admin",
            ["PATRONI_RESTAPI_PASSWORD"] = "pw",
            ["PATRONI_POSTGRESQL_DATA_DIR"] = "/data/x",
            ["PATRONI_SUPERUSER_PASSWORD"] = "s3",
            ["PATRONI_REPLICATION_USERNAME"] = "repl",
            ["PATRONI_ETCD3_HOSTS"] = "'127.0.0.1:2379','127.0.0.2:2379'",
            ["PATRONI_LOGLEVEL"] = "debug",
            ["PATRONI_CTL_INSECURE"] = "true",
        });

        Assert.Equal(("u5", "other"), (config.Name, config.Scope));
        Assert.Equal("/db/other/", config.KeyPrefix);
        Assert.Equal("127.0.0.1:8010", config.RestApi.Listen);
        Assert.Equal(new BasicAuth("admin", "pw"), config.RestApi.Authentication);
        Assert.Equal("/data/x", config.Postgresql.DataDir);
        Assert.Equal("s3", config.Postgresql.Authentication.Superuser.Password);
        Assert.Equal("postgres", config.Postgresql.Authentication.Superuser.Username);
        Assert.Equal("repl", config.Postgresql.Authentication.Replication.Username);
        Assert.Equal("secret", config.Postgresql.Authentication.Replication.Password);
        Assert.Equal(["127.0.0.1:2379", "127.0.0.2:2379"], config.Etcd3.Hosts);
        Assert.Equal("DEBUG", config.Log.Level);
        Assert.True(config.Ctl.Insecure);
        Assert.Empty(config.Bootstrap.Users);
    }

    [Fact]
    public void New_log_variable_wins_over_the_old_name()
    {
        var config = Load(new() { ["PATRONI_LOGLEVEL"] = "DEBUG", ["PATRONI_LOG_LEVEL"] = "WARNING" });

        Assert.Equal("WARNING", config.Log.Level);
    }

    [Fact]
    public void Etcd3_credentials_apply_only_when_another_etcd3_variable_is_set()
    {
        var without = Load(new() { ["PATRONI_ETCD3_USERNAME"] = "u", ["PATRONI_ETCD3_PASSWORD"] = "p" });
        var with = Load(new() { ["PATRONI_ETCD3_USERNAME"] = "u", ["PATRONI_ETCD3_PASSWORD"] = "p", ["PATRONI_ETCD3_PROTOCOL"] = "https" });

        Assert.Null(without.Etcd3.Username);
        Assert.True(without.Bootstrap.Users.ContainsKey("ETCD3"));
        Assert.Equal(("u", "p", "https"), (with.Etcd3.Username, with.Etcd3.Password, with.Etcd3.Protocol));
    }

    [Fact]
    public void User_password_and_options_become_bootstrap_users()
    {
        var config = Load(new() { ["PATRONI_admin_PASSWORD"] = "x", ["PATRONI_admin_OPTIONS"] = "createrole,createdb" });

        var user = config.Bootstrap.Users["admin"];
        Assert.Equal("x", user.Password);
        Assert.Equal(["createrole", "createdb"], user.Options);
    }

    [Fact]
    public void Patroni_configuration_is_used_without_a_file()
    {
        var env = new Dictionary<string, string> { ["PATRONI_CONFIGURATION"] = SeedConfig.Text };

        var result = ConfigLoader.Read(null, env, checkMachine: false);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal("u4", result.Config!.Name);
    }

    [Fact]
    public void Environment_alone_is_enough_without_a_file()
    {
        var env = new Dictionary<string, string>
        {
            ["PATRONI_NAME"] = "n1",
            ["PATRONI_SCOPE"] = "s1",
            ["PATRONI_ETCD3_HOST"] = "127.0.0.1:2379",
            ["PATRONI_POSTGRESQL_DATA_DIR"] = "/tmp/x",
            ["PATRONI_RESTAPI_CONNECT_ADDRESS"] = "127.0.0.1:8008",
            ["PATRONI_POSTGRESQL_CONNECT_ADDRESS"] = "127.0.0.1:5432",
        };

        var result = ConfigLoader.Read(null, env, checkMachine: false);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal(["127.0.0.1:2379"], result.Config!.Etcd3.Hosts);
    }
}
