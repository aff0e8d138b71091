using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>Maps the whole tree (file patched with environment) to <see cref="AgentConfig"/>, recording every problem.</summary>
internal static class AgentConfigMapper
{
    private static readonly string[] OtherDcs = ["etcd", "consul", "zookeeper", "exhibitor", "kubernetes", "raft"];

    public static AgentConfig Map(JsonObject tree, ConfigProblems problems)
    {
        var root = new ConfigSection(tree, "", problems);
        var scope = Required(root, "scope");
        var name = Required(root, "name");

        var otherDcs = false;
        foreach (var dcs in OtherDcs)
        {
            if (root.Has(dcs))
            {
                root.MarkKnown(dcs);
                otherDcs = true;
                problems.Error(dcs, dcs == "etcd"
                    ? "etcd v2 is not supported: only etcd3 is supported (rename the section to etcd3)"
                    : "only etcd3 is supported");
            }
        }

        var etcd3 = root.Section("etcd3");
        if (etcd3 is null && !otherDcs)
        {
            problems.Error("etcd3", "required: the etcd3 section with the etcd endpoints");
        }

        if (root.Has("citus"))
        {
            root.MarkKnown("citus");
            problems.Warning("citus", "Citus is not supported; ignored");
        }

        var config = new AgentConfig
        {
            Scope = scope,
            Name = name,
            Namespace = root.String("namespace", "/service"),
            Log = ServiceSectionMapper.Log(root.SectionOrEmpty("log")),
            RestApi = ServiceSectionMapper.RestApi(root.SectionOrEmpty("restapi")),
            Ctl = ServiceSectionMapper.Ctl(root.SectionOrEmpty("ctl")),
            Etcd3 = etcd3 is null ? new Etcd3Config() : Etcd3ConfigMapper.Map(etcd3),
            Bootstrap = BootstrapConfigMapper.Map(root.SectionOrEmpty("bootstrap")),
            Postgresql = PostgresqlConfigMapper.Map(root.SectionOrEmpty("postgresql")),
            Watchdog = ServiceSectionMapper.Watchdog(root.SectionOrEmpty("watchdog")),
            HaproxyRuntime = HaproxyRuntimeMapper.Map(root.SectionOrEmpty("haproxy_runtime")),
            Tags = Tags(root.Section("tags")),
        };
        config = config with { KnownTags = KnownTags(root.Section("tags")) };
        root.ReportUnknownKeys();
        return config;
    }

    private static string Required(ConfigSection root, string key)
    {
        var value = root.String(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            root.Problems.Error(key, "required");
            return "";
        }

        return value;
    }

    private static Dictionary<string, object?> Tags(ConfigSection? s)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (s is null)
        {
            return tags;
        }

        foreach (var (name, value) in s.Json)
        {
            tags[name] = value switch
            {
                null => null,
                JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True,
                JsonValue v when v.GetValueKind() == JsonValueKind.Number && JsonScalars.TryGetLong(v, out var l) && v.ToJsonString() == l.ToString(System.Globalization.CultureInfo.InvariantCulture) => l,
                JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double dbl) => dbl,
                JsonValue v when JsonScalars.TryGetText(v, out var text) => text,
                _ => value.ToJsonString(),
            };
        }

        return tags;
    }

    private static MemberTags KnownTags(ConfigSection? s)
    {
        if (s is null)
        {
            return new MemberTags();
        }

        var tags = new MemberTags
        {
            NoFailover = s.Bool("nofailover", false),
            CloneFrom = s.Bool("clonefrom", false),
            NoLoadBalance = s.Bool("noloadbalance", false),
            ReplicateFrom = s.String("replicatefrom"),
            NoSync = s.Bool("nosync", false),
            FailoverPriority = s.OptionalInt("failover_priority"),
        };

        // Custom tags are allowed: no unknown-key report here.
        return tags;
    }
}
