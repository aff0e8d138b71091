namespace NodeAgent.Configuration.Parsing;

/// <summary>Maps the local <c>postgresql</c> section.</summary>
internal static class PostgresqlConfigMapper
{
    public static PostgresqlConfig Map(ConfigSection s)
    {
        var d = new PostgresqlConfig();
        var methods = s.StringList("create_replica_methods", splitCommas: true)
            ?? s.StringList("create_replica_method", splitCommas: true)
            ?? d.CreateReplicaMethods;
        var config = new PostgresqlConfig
        {
            Listen = s.String("listen", d.Listen),
            ConnectAddress = s.String("connect_address"),
            ProxyAddress = s.String("proxy_address"),
            DataDir = s.String("data_dir", d.DataDir),
            ConfigDir = s.String("config_dir"),
            BinDir = s.String("bin_dir"),
            PgPass = s.String("pgpass"),
            Database = s.String("database", d.Database),
            ConfigBaseName = s.String("config_base_name"),
            CustomConf = s.String("custom_conf"),
            UseUnixSocket = s.Bool("use_unix_socket", d.UseUnixSocket),
            UseUnixSocketRepl = s.Bool("use_unix_socket_repl", d.UseUnixSocketRepl),
            KrbSrvName = s.String("krbsrvname"),
            Authentication = Authentication(s.SectionOrEmpty("authentication")),
            Callbacks = Callbacks(s.SectionOrEmpty("callbacks")),
            CreateReplicaMethods = methods,
            Basebackup = OptionLists.Read(s, "basebackup") ?? d.Basebackup,
            ReplicaMethods = ReplicaMethods(s, methods),
            RecoveryConf = s.StringMap("recovery_conf", guc: true) ?? d.RecoveryConf,
            Parameters = s.StringMap("parameters", guc: true) ?? d.Parameters,
            PgHba = s.StringList("pg_hba") ?? d.PgHba,
            PgIdent = s.StringList("pg_ident") ?? d.PgIdent,
            PgCtlTimeout = s.Int("pg_ctl_timeout", d.PgCtlTimeout),
            DemotedClientHoldoff = Math.Max(0, s.Int("demoted_client_holdoff", d.DemotedClientHoldoff)),
            DemotedClientRelay = s.Bool("demoted_client_relay", d.DemotedClientRelay),
            CreateReplicaTimeout = PositiveSeconds(s, "create_replica_timeout", d.CreateReplicaTimeout),
            RewindTimeout = PositiveSeconds(s, "rewind_timeout", d.RewindTimeout),
            InitdbTimeout = PositiveSeconds(s, "initdb_timeout", d.InitdbTimeout),
            UsePgRewind = s.OptionalBool("use_pg_rewind"),
            RemoveDataDirectoryOnRewindFailure = s.Bool("remove_data_directory_on_rewind_failure", false),
            RemoveDataDirectoryOnDivergedTimelines = s.Bool("remove_data_directory_on_diverged_timelines", false),
            PrePromote = s.String("pre_promote"),
            BeforeStop = s.String("before_stop"),
        };

        // use_slots is cluster-wide only; bin_name is Patroni 3.0.3+.
        s.MarkKnown("use_slots", "bin_name");
        if (s.Has("use_slots"))
        {
            s.Problems.Warning(s.PathOf("use_slots"), "only honoured in bootstrap.dcs.postgresql (cluster-wide)");
        }

        s.ReportUnknownKeys();
        return config;
    }

    /// <summary>NodeAgent's limits on long operations: a value of 0 or less would kill the operation at once.</summary>
    private static int PositiveSeconds(ConfigSection s, string key, int fallback)
    {
        var value = s.Int(key, fallback);
        if (value > 0)
        {
            return value;
        }

        s.Problems.Error(s.PathOf(key), "must be a positive number of seconds");
        return fallback;
    }

    private static PostgresAuthentication Authentication(ConfigSection s)
    {
        var d = new PostgresAuthentication();
        var config = new PostgresAuthentication
        {
            Superuser = User(s, "superuser") ?? d.Superuser,
            Replication = User(s, "replication") ?? d.Replication,
            Rewind = User(s, "rewind"),
        };
        s.ReportUnknownKeys();
        return config;
    }

    private static PostgresUser? User(ConfigSection parent, string kind)
    {
        var s = parent.Section(kind);
        if (s is null)
        {
            if (kind != "rewind")
            {
                parent.Problems.Warning(parent.PathOf(kind), "missing; using the default user name");
            }

            return null;
        }

        var username = s.String("username");
        if (username is null)
        {
            s.Problems.Add(s.TypeSeverity, s.PathOf("username"), "required");
            username = kind == "superuser" ? "postgres" : "replicator";
        }

        var user = new PostgresUser
        {
            Username = username,
            Password = s.String("password"),
            SslMode = s.String("sslmode"),
            SslKey = s.String("sslkey"),
            SslPassword = s.String("sslpassword"),
            SslCert = s.String("sslcert"),
            SslRootCert = s.String("sslrootcert"),
            SslCrl = s.String("sslcrl"),
            SslCrlDir = s.String("sslcrldir"),
            GssEncMode = s.String("gssencmode"),
            ChannelBinding = s.String("channel_binding"),
        };
        s.ReportUnknownKeys();
        return user;
    }

    private static CallbacksConfig Callbacks(ConfigSection s)
    {
        var config = new CallbacksConfig
        {
            OnStart = s.String("on_start"),
            OnStop = s.String("on_stop"),
            OnRestart = s.String("on_restart"),
            OnReload = s.String("on_reload"),
            OnRoleChange = s.String("on_role_change"),
        };
        s.ReportUnknownKeys();
        return config;
    }

    private static Dictionary<string, ReplicaMethodConfig> ReplicaMethods(ConfigSection s, IReadOnlyList<string> methods)
    {
        var result = new Dictionary<string, ReplicaMethodConfig>(StringComparer.Ordinal);
        foreach (var method in methods)
        {
            if (method == "basebackup")
            {
                continue;
            }

            var section = s.Section(method);
            if (section is null)
            {
                s.Problems.Warning(s.PathOf(method), $"replica method '{method}' has no section; it will be skipped");
                continue;
            }

            var command = section.String("command");
            if (command is null)
            {
                s.Problems.Warning(section.PathOf("command"), $"replica method '{method}' has no command; it will be skipped");
                continue;
            }

            var keepData = section.Bool("keep_data", false);
            var noParams = section.Bool("no_params", false);
            var noLeader = section.OptionalBool("no_leader") ?? section.Bool("no_master", false);
            var parameters = new List<KeyValuePair<string, string>>();
            foreach (var (name, value) in section.Json)
            {
                if (name != "command" && JsonScalars.TryGetPythonText(value, out var text))
                {
                    parameters.Add(new(name, text));
                }
            }

            result[method] = new ReplicaMethodConfig(command, keepData, noParams, noLeader, parameters);
        }

        return result;
    }
}
