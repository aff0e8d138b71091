using System.Text.Json.Nodes;
using dotnet_etcd;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Ctl;

/// <summary>
/// agentctl against a real etcd holding keys written the way Patroni 3.0.2 writes them, compared with the
/// real patronictl 3.0.2 reading the same keys with the same YAML file.
/// </summary>
public sealed class AgentCtlEtcdTests : IAsyncLifetime
{
    private const string Scope = "PGC1";
    private const string Prefix = "/service/PGC1/";
    private EtcdCluster _etcd = null!;
    private EtcdClient _client = null!;
    private RecordingApi _leaderApi = null!;
    private RecordingApi _replicaApi = null!;
    private TempDirectory _dir = null!;
    private string _configFile = null!;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdCluster.StartAsync(1);
        _client = new EtcdClient(_etcd.ClientUrlsCsv);
        _leaderApi = RecordingApi.Start();
        _replicaApi = RecordingApi.Start();
        _dir = new TempDirectory("agentctl");
        _configFile = _dir.Combine("config.yml");
        await File.WriteAllTextAsync(_configFile, $"""
            scope: {Scope}
            namespace: /service/
            name: u4
            etcd3:
              hosts: {_etcd.EndpointsCsv}
            restapi:
              listen: 127.0.0.1:8008
              authentication:
                username: admin
                password: s3cret
            """);
        await WriteClusterAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _leaderApi.DisposeAsync();
        await _replicaApi.DisposeAsync();
        await _etcd.DisposeAsync();
        _dir.Dispose();
    }

    private async Task PutAsync(string key, string value) =>
        await _client.PutAsync(Prefix + key, value, deadline: DateTime.UtcNow.AddSeconds(5));

    private async Task<string> GetAsync(string key) =>
        await _client.GetValAsync(Prefix + key, deadline: DateTime.UtcNow.AddSeconds(5));

    /// <summary>The keys of a three-node cluster exactly as Patroni 3.0.2 serialises them.</summary>
    private async Task WriteClusterAsync()
    {
        await PutAsync("initialize", "7212345678901234567");
        await PutAsync("config", """{"ttl":30,"loop_wait":10,"retry_timeout":10,"maximum_lag_on_failover":1048576,"postgresql":{"use_pg_rewind":true,"use_slots":true,"parameters":{"hot_standby":"on","max_connections":100,"wal_level":"replica"},"pg_hba":["host all all 0.0.0.0/0 md5"]}}""");
        await PutAsync("leader", "pg1");
        await PutAsync("status", """{"optime":67108864}""");
        await PutAsync("sync", """{"leader":"pg1","sync_standby":"pg2"}""");
        await PutAsync("history", """[[1,25165984,"no recovery target specified","2023-05-01T10:00:00+00:00","pg2"],[2,50331808,"no recovery target specified","2023-05-02T11:30:00+00:00","pg1"]]""");
        await PutAsync("members/pg1", $$"""{"conn_url":"postgres://127.9.0.1:5432/postgres","api_url":"{{_leaderApi.ApiUrl}}","state":"running","role":"master","version":"3.0.2","xlog_location":67108864,"timeline":3}""");
        await PutAsync("members/pg2", $$"""{"conn_url":"postgres://127.9.0.2:5432/postgres","api_url":"{{_replicaApi.ApiUrl}}","state":"running","role":"replica","version":"3.0.2","xlog_location":61865984,"timeline":3}""");
        await PutAsync("members/pg3", """{"conn_url":"postgres://127.9.0.3:5432/postgres","api_url":"http://127.0.0.1:1/patroni","state":"running","role":"replica","version":"3.0.2","tags":{"nofailover":true,"replicatefrom":"pg2"},"timeline":3}""");
    }

    /// <summary>3.0.2 prints " Cluster: PGC1 " in the top border; we print the 3.1.1+ title with the sysid. Rows must match.</summary>
    private static string[] BodyRows(string table) => table.Split('\n').Skip(1).ToArray();

    [Fact]
    public async Task List_matches_patronictl_rows_and_has_the_sysid_title()
    {
        var ours = await CtlRun.AgentCtlAsync("", "-c", _configFile, "list");
        var theirs = await CtlRun.PatronictlAsync("-c", _configFile, "list");

        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(0, theirs.ExitCode);
        Assert.StartsWith("+ Cluster: PGC1 (7212345678901234567) -", ours.Out, StringComparison.Ordinal);
        Assert.Equal(BodyRows(theirs.Out), BodyRows(ours.Out));
        Assert.Contains("| pg2    | 127.9.0.2 | Sync Standby | running |  3 |         5 |", ours.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("yaml")]
    [InlineData("tsv")]
    public async Task Machine_readable_list_formats_equal_patronictl(string format)
    {
        var ours = await CtlRun.AgentCtlAsync("", "-c", _configFile, "list", "-f", format);
        var theirs = await CtlRun.PatronictlAsync("-c", _configFile, "list", "-f", format);

        Assert.Equal(theirs.Out, ours.Out);
    }

    [Fact]
    public async Task Extended_topology_rows_equal_patronictl()
    {
        var ours = await CtlRun.AgentCtlAsync("", "-c", _configFile, "topology");
        var theirs = await CtlRun.PatronictlAsync("-c", _configFile, "topology");

        Assert.Equal(BodyRows(theirs.Out), BodyRows(ours.Out));
        Assert.Contains("|   + pg3 |", ours.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_config_and_history_equal_patronictl()
    {
        foreach (var args in new[] { new[] { "show-config" }, ["history"], ["history", "-f", "json"] })
        {
            var ours = await CtlRun.AgentCtlAsync("", ["-c", _configFile, .. args]);
            var theirs = await CtlRun.PatronictlAsync(["-c", _configFile, .. args]);

            Assert.Equal(theirs.Out, ours.Out);
        }
    }

    [Fact]
    public async Task Switchover_posts_to_the_leader_with_basic_auth()
    {
        _leaderApi.Respond = _ => (200, "Successfully switched over to \"pg2\"");

        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "switchover", "--candidate", "pg2", "--force");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Successfully switched over to \"pg2\"", result.Out, StringComparison.Ordinal);
        var request = Assert.Single(_leaderApi.Requests);
        Assert.Equal(("POST", "/switchover"), (request.Method, request.Path));
        Assert.Equal("Basic " + Convert.ToBase64String("admin:s3cret"u8.ToArray()), request.Authorization);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("pg1", (string?)body["leader"]);
        Assert.Equal("pg2", (string?)body["candidate"]);
    }

    [Fact]
    public async Task Switchover_prompts_are_answered_from_stdin()
    {
        _leaderApi.Respond = _ => (200, "Successfully switched over to \"pg2\"");

        var result = await CtlRun.AgentCtlAsync("\npg2\nnow\ny\n", "-c", _configFile, "switchover");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Primary [pg1]: Candidate ['pg2'] []: When should the switchover take place (e.g. ", result.Out, StringComparison.Ordinal);
        Assert.Contains("Are you sure you want to switchover cluster PGC1, demoting current leader pg1? [y/N]: ", result.Out, StringComparison.Ordinal);
        Assert.Single(_leaderApi.Requests);
    }

    [Fact]
    public async Task Switchover_falls_back_to_the_failover_key_when_the_leader_api_is_down()
    {
        await _leaderApi.DisposeAsync();

        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "switchover", "--candidate", "pg2", "--force");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Could not switchover using Patroni api, falling back to DCS", result.Out, StringComparison.Ordinal);
        Assert.Equal("""{"leader":"pg1","member":"pg2"}""", await GetAsync("failover"));
    }

    [Fact]
    public async Task Failover_to_a_nofailover_member_is_refused()
    {
        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "failover", "--candidate", "pg3", "--force");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: Member pg3 does not exist in cluster PGC1\n", result.Err);
        Assert.Empty(_leaderApi.Requests);
    }

    [Fact]
    public async Task Pause_patches_the_config_on_the_leader()
    {
        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "pause");

        Assert.Equal("Success: cluster management is paused\n", result.Out);
        var request = Assert.Single(_leaderApi.Requests);
        Assert.Equal(("PATCH", "/config", """{"pause":true}"""), (request.Method, request.Path, request.Body));
    }

    [Fact]
    public async Task Edit_config_writes_the_key_and_patronictl_sees_it()
    {
        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "edit-config", "-s", "ttl=40", "-p", "max_connections=200", "--force");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("-ttl: 30\n+ttl: 40\n", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("Configuration changed\n", result.Out, StringComparison.Ordinal);
        var shown = await CtlRun.PatronictlAsync("-c", _configFile, "show-config");
        Assert.Contains("ttl: 40\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("    max_connections: 200\n", shown.Out, StringComparison.Ordinal);
    }

    /// <summary>Every way edit-config takes a change; each makes ttl, loop_wait or a parameter break a rule --validate-config applies to bootstrap.dcs.</summary>
    [Theory]
    [InlineData("set", "ttl: loop_wait + 2*retry_timeout <= ttl is violated: 10 + 2*10 = 30 > 5")]
    [InlineData("pg", "postgresql.parameters.max_connections: expected a single value")]
    [InlineData("apply", "ttl: loop_wait + 2*retry_timeout <= ttl is violated")]
    [InlineData("apply-stdin", "pause: expected a boolean")]
    [InlineData("replace", "loop_wait: must be at least 1")]
    [InlineData("editor", "ttl: loop_wait + 2*retry_timeout <= ttl is violated")]
    public async Task Edit_config_refuses_a_config_breaking_a_rule_and_writes_nothing(string way, string error)
    {
        var before = await _client.GetAsync(Prefix + "config", deadline: DateTime.UtcNow.AddSeconds(5));
        var file = _dir.Combine($"edit-{way}.yml");
        string[] args = way switch
        {
            "set" => ["-s", "ttl=5"],
            "pg" => ["-p", "max_connections=[1, 2]"],
            "apply" => ["--apply", file],
            "apply-stdin" => ["--apply", "-"],
            "replace" => ["--replace", file],
            _ => [],
        };
        await File.WriteAllTextAsync(file, way == "replace" ? "ttl: 30\nloop_wait: 0\nretry_timeout: 10\n" : "ttl: 5\n");
        var editor = _dir.Combine("editor.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/^ttl: 30$/ttl: 5/' \"$1\"\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var savedEditor = Environment.GetEnvironmentVariable("EDITOR");
        Environment.SetEnvironmentVariable("EDITOR", way == "editor" ? editor : savedEditor);
        CtlRun.Result result;
        try
        {
            result = await CtlRun.AgentCtlAsync(way == "apply-stdin" ? "pause: maybe\n" : "", ["-c", _configFile, "edit-config", .. args, "--force"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDITOR", savedEditor);
        }

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: Invalid configuration, nothing written: " + error, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Configuration changed", result.Out, StringComparison.Ordinal);
        var after = await _client.GetAsync(Prefix + "config", deadline: DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(before.Kvs[0].ModRevision, after.Kvs[0].ModRevision);
        Assert.Equal(before.Kvs[0].Value.ToStringUtf8(), after.Kvs[0].Value.ToStringUtf8());
    }

    [Fact]
    public async Task Edit_config_writes_a_config_with_warnings_and_shows_them()
    {
        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "edit-config", "-s", "ttl=9", "-s", "loop_wait=1", "-s", "retry_timeout=2", "--force");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Warning: retry_timeout: below 3; it will be raised to 3\nWarning: ttl: below 10; Patroni 3.2+ raises it to 10\n", result.Err);
        Assert.EndsWith("Configuration changed\n", result.Out, StringComparison.Ordinal);
        var stored = JsonNode.Parse(await GetAsync("config"))!;
        Assert.Equal((9, 1, 2), ((int)stored["ttl"]!, (int)stored["loop_wait"]!, (int)stored["retry_timeout"]!));
    }

    [Fact]
    public async Task Dsn_and_restart_reach_the_right_member()
    {
        _replicaApi.Respond = _ => (200, "restarted successfully");

        var dsn = await CtlRun.AgentCtlAsync("", "-c", _configFile, "dsn", "-m", "pg2");
        var restart = await CtlRun.AgentCtlAsync("", "-c", _configFile, "restart", Scope, "pg2", "--force");

        Assert.Equal("host=127.9.0.2 port=5432\n", dsn.Out);
        Assert.EndsWith("Success: restart on member pg2\n", restart.Out, StringComparison.Ordinal);
        var request = Assert.Single(_replicaApi.Requests);
        Assert.Equal(("POST", "/restart", "{}"), (request.Method, request.Path, request.Body));
    }

    [Fact]
    public async Task Remove_asks_three_questions_then_deletes_the_prefix()
    {
        var refused = await CtlRun.AgentCtlAsync("PGC1\nYes I am aware\npg2\n", "-c", _configFile, "remove", Scope);
        Assert.Equal("Error: You did not specify the current leader of the cluster\n", refused.Err);
        Assert.Equal("pg1", await GetAsync("leader"));

        var removed = await CtlRun.AgentCtlAsync("PGC1\nYes I am aware\npg1\n", "-c", _configFile, "remove", Scope);

        Assert.Equal(0, removed.ExitCode);
        var left = await _client.GetRangeAsync(Prefix, deadline: DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(0, left.Count);
    }

    [Fact]
    public async Task Maintenance_pending_and_scheduled_events_show_like_patronictl()
    {
        const string other = "/service/PGC2/";
        async Task Put(string key, string value) => await _client.PutAsync(other + key, value, deadline: DateTime.UtcNow.AddSeconds(5));
        await Put("initialize", "7000000000000000042");
        await Put("config", """{"ttl":30,"loop_wait":10,"pause":true}""");
        await Put("leader", "u4");
        await Put("status", """{"optime":50331808}""");
        await Put("failover", """{"leader":"u4","member":"u5","scheduled_at":"2030-01-02T03:04:05+00:00"}""");
        await Put("members/u4", """{"conn_url":"postgres://127.0.0.1:5432/postgres","api_url":"http://127.0.0.1:8008/patroni","state":"running","role":"master","version":"3.0.2","xlog_location":50331808,"timeline":1,"pause":true}""");
        await Put("members/u5", """{"conn_url":"postgres://127.0.0.1:5433/postgres","api_url":"http://127.0.0.1:8009/patroni","state":"running","role":"replica","version":"3.0.2","pending_restart":true,"xlog_location":50331808,"timeline":1,"pause":true}""");
        await Put("members/u6", """{"conn_url":"postgres://127.0.0.1:5434/postgres","api_url":"http://127.0.0.1:8010/patroni","state":"stopped","role":"replica","version":"3.0.2","scheduled_restart":{"schedule":"2030-01-01T00:00:00+00:00","postmaster_start_time":"2023-05-01 10:00:00.1+00:00","postgres_version":"15.3"},"pause":true}""");

        foreach (var args in new[] { new[] { "list", "PGC2" }, ["list", "PGC2", "-e"], ["topology", "PGC2"] })
        {
            var ours = await CtlRun.AgentCtlAsync("", ["-c", _configFile, .. args]);
            var theirs = await CtlRun.PatronictlAsync(["-c", _configFile, .. args]);

            Assert.StartsWith("+ Cluster: PGC2 (7000000000000000042) -", ours.Out, StringComparison.Ordinal);
            Assert.Equal(BodyRows(theirs.Out), BodyRows(ours.Out));
        }

        var json = await CtlRun.AgentCtlAsync("", "-c", _configFile, "list", "PGC2", "-f", "json");
        Assert.Equal((await CtlRun.PatronictlAsync("-c", _configFile, "list", "PGC2", "-f", "json")).Out, json.Out);
    }

    [Fact]
    public async Task Flush_switchover_deletes_it_through_the_leader()
    {
        await PutAsync("failover", """{"leader":"pg1","member":"pg2","scheduled_at":"2030-01-02T03:04:05+00:00"}""");
        _leaderApi.Respond = _ => (200, "scheduled switchover deleted");

        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "flush", Scope, "switchover");

        Assert.Equal("Success: scheduled switchover deleted\n", result.Out);
        var request = Assert.Single(_leaderApi.Requests);
        Assert.Equal(("DELETE", "/switchover"), (request.Method, request.Path));
    }

    [Fact]
    public async Task Flush_switchover_clears_the_key_when_no_member_answers()
    {
        await PutAsync("failover", """{"leader":"pg1","member":"pg2","scheduled_at":"2030-01-02T03:04:05+00:00"}""");
        await _leaderApi.DisposeAsync();
        await _replicaApi.DisposeAsync();

        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "flush", Scope, "switchover");

        Assert.Contains("Could not find any accessible member of cluster PGC1", result.Out, StringComparison.Ordinal);
        Assert.Equal("{}", await GetAsync("failover"));
    }

    [Fact]
    public async Task Reload_reports_the_loop_wait()
    {
        _replicaApi.Respond = _ => (202, "reload scheduled");

        var result = await CtlRun.AgentCtlAsync("", "-c", _configFile, "reload", Scope, "pg2", "--force");

        Assert.EndsWith("Reload request received for member pg2 and will be processed within 10 seconds\n", result.Out, StringComparison.Ordinal);
        Assert.Equal("/reload", Assert.Single(_replicaApi.Requests).Path);
    }

    [Fact]
    public async Task Reinit_asks_which_member_and_sends_force()
    {
        _replicaApi.Respond = _ => (200, "reinitialize started");

        var result = await CtlRun.AgentCtlAsync("pg2\ny\n", "-c", _configFile, "reinit", Scope);

        Assert.Contains("Which member do you want to reinitialize [pg2, pg3]? []: Are you sure you want to reinitialize members pg2? [y/N]: Success: reinitialize for member pg2\n", result.Out, StringComparison.Ordinal);
        var request = Assert.Single(_replicaApi.Requests);
        Assert.Equal(("POST", "/reinitialize", """{"force":false}"""), (request.Method, request.Path, request.Body));
    }
}
