namespace NodeAgent.Configuration;

/// <summary>
/// The local configuration file, typed. Key names follow Patroni's YAML (<c>config.py</c>);
/// defaults follow <c>config.py:Config.__DEFAULT_CONFIG</c>. Built by <c>ConfigLoader</c>, checked by <c>ConfigValidator</c>.
/// </summary>
public sealed record AgentConfig
{
    public required string Scope { get; init; }
    public required string Name { get; init; }
    public string Namespace { get; init; } = "/service";

    public LogConfig Log { get; init; } = new();
    public RestApiConfig RestApi { get; init; } = new();
    public CtlConfig Ctl { get; init; } = new();
    public Etcd3Config Etcd3 { get; init; } = new();
    public BootstrapConfig Bootstrap { get; init; } = new();
    public PostgresqlConfig Postgresql { get; init; } = new();
    public WatchdogConfig Watchdog { get; init; } = new();
    public HaproxyRuntimeConfig HaproxyRuntime { get; init; } = new();
    /// <summary>Every tag as written: values are bool, long, double or string (published in the member key).</summary>
    public IReadOnlyDictionary<string, object?> Tags { get; init; } = new Dictionary<string, object?>();
    /// <summary>The tags Patroni itself acts on, typed.</summary>
    public MemberTags KnownTags { get; init; } = new();

    /// <summary>The base path of every key: '/' + namespace + '/' + scope, repeated slashes collapsed.</summary>
    public string KeyPrefix
    {
        get
        {
            var raw = "/" + Namespace.Trim('/') + "/" + Scope + "/";
            while (raw.Contains("//", StringComparison.Ordinal))
            {
                raw = raw.Replace("//", "/", StringComparison.Ordinal);
            }

            return raw;
        }
    }
}
