namespace NodeAgent.Configuration.Parsing;

/// <summary>Maps the small service sections: <c>log</c>, <c>restapi</c>, <c>ctl</c>, <c>watchdog</c>.</summary>
internal static class ServiceSectionMapper
{
    public static LogConfig Log(ConfigSection s)
    {
        var d = new LogConfig();
        var config = new LogConfig
        {
            Level = s.String("level", d.Level).ToUpperInvariant(),
            TracebackLevel = s.String("traceback_level", d.TracebackLevel).ToUpperInvariant(),
            Type = s.String("type", d.Type).ToLowerInvariant(),
            Format = s.String("format"),
            DateFormat = s.String("dateformat"),
            MaxQueueSize = s.Int("max_queue_size", d.MaxQueueSize),
            Dir = s.String("dir"),
            FileNum = s.OptionalInt("file_num"),
            FileSize = s.OptionalLong("file_size"),
            Loggers = s.StringMap("loggers") ?? d.Loggers,
        };
        CheckLevel(s, "level", config.Level);
        CheckLevel(s, "traceback_level", config.TracebackLevel);
        LogSectionChecks.Check(s, config);
        s.ReportUnknownKeys();
        return config;
    }

    /// <summary>Python's logging names; Patroni passes the word to <c>Logger.setLevel</c>, which dies on any other.</summary>
    public static readonly IReadOnlyList<string> LogLevelNames = ["DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "NOTSET"];

    internal static void CheckLevel(ConfigSection s, string key, string level)
    {
        if (!LogLevelNames.Contains(level))
        {
            s.Invalid(key, $"'{level}' is not a log level; use one of {string.Join(", ", LogLevelNames)}");
        }
    }

    public static RestApiConfig RestApi(ConfigSection s)
    {
        var d = new RestApiConfig();
        var config = new RestApiConfig
        {
            Listen = s.String("listen", d.Listen),
            ConnectAddress = s.String("connect_address"),
            Authentication = BasicAuth(s.Section("authentication")),
            CertFile = s.String("certfile"),
            KeyFile = s.String("keyfile"),
            KeyFilePassword = s.String("keyfile_password"),
            CaFile = s.String("cafile"),
            Ciphers = s.String("ciphers"),
            VerifyClient = s.String("verify_client"),
            Allowlist = s.StringList("allowlist") ?? d.Allowlist,
            AllowlistIncludeMembers = s.Bool("allowlist_include_members", d.AllowlistIncludeMembers),
            HttpExtraHeaders = s.StringMap("http_extra_headers") ?? d.HttpExtraHeaders,
            HttpsExtraHeaders = s.StringMap("https_extra_headers") ?? d.HttpsExtraHeaders,
            RequestQueueSize = s.Int("request_queue_size", d.RequestQueueSize),
            GrpcPort = s.OptionalInt("grpc_port"),
        };

        if (config.VerifyClient is not null and not ("none" or "optional" or "required"))
        {
            s.Invalid("verify_client", $"must be none, optional or required, got '{config.VerifyClient}'");
        }

        s.ReportUnknownKeys();
        return config;
    }

    public static CtlConfig Ctl(ConfigSection s)
    {
        var config = new CtlConfig
        {
            Insecure = s.Bool("insecure", false),
            CaCert = s.String("cacert"),
            CertFile = s.String("certfile"),
            KeyFile = s.String("keyfile"),
            KeyFilePassword = s.String("keyfile_password"),
            Authentication = BasicAuth(s.Section("authentication")),
        };
        s.ReportUnknownKeys();
        return config;
    }

    public static WatchdogConfig Watchdog(ConfigSection s)
    {
        var d = new WatchdogConfig();
        var mode = d.Mode;
        var modeNode = s.Raw("mode");
        if (modeNode is not null && !WatchdogModeNames.TryParse(modeNode, out mode))
        {
            s.Invalid("mode", $"unknown watchdog mode {JsonScalars.Describe(modeNode)}; use off, automatic or required");
        }

        var config = new WatchdogConfig
        {
            Mode = mode,
            Device = s.String("device", d.Device),
            SafetyMargin = s.Int("safety_margin", d.SafetyMargin),
            Driver = s.String("driver", d.Driver),
        };
        s.ReportUnknownKeys();
        return config;
    }

    private static BasicAuth? BasicAuth(ConfigSection? s)
    {
        if (s is null)
        {
            return null;
        }

        var username = s.String("username");
        var password = s.String("password");
        s.ReportUnknownKeys();
        if (username is null || password is null)
        {
            s.Problems.Add(s.TypeSeverity, s.Path, "needs both username and password");
            return null;
        }

        return new BasicAuth(username, password);
    }
}
