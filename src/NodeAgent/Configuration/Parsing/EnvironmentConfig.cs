using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// The <c>PATRONI_*</c> variables as a config tree (<c>config.py:_build_environment_configuration</c>).
/// Patroni pops what it reads; we track what was consumed so the same variable is not read twice, and which
/// variable set which key, so that a problem with the value names the variable.
/// </summary>
internal sealed class EnvironmentConfig
{
    public const string Prefix = "PATRONI_";
    public const string ConfigurationVariable = "PATRONI_CONFIGURATION";

    private static readonly string[] AuthParameters =
        ["username", "password", "sslmode", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "gssencmode", "channel_binding"];

    private static readonly HashSet<string> DcsSuffixes = new(StringComparer.Ordinal)
    {
        "HOST", "HOSTS", "PORT", "USE_PROXIES", "PROTOCOL", "SRV", "SRV_SUFFIX", "URL", "PROXY", "CACERT", "CERT", "KEY",
        "VERIFY", "TOKEN", "CHECKS", "DC", "CONSISTENCY", "REGISTER_SERVICE", "SERVICE_CHECK_INTERVAL",
        "SERVICE_CHECK_TLS_SERVER_NAME", "SERVICE_TAGS", "NAMESPACE", "CONTEXT", "USE_ENDPOINTS", "SCOPE_LABEL",
        "ROLE_LABEL", "POD_IP", "PORTS", "LABELS", "BYPASS_API_SERVICE", "RETRIABLE_HTTP_CODES", "KEY_PASSWORD",
        "USE_SSL", "SET_ACLS", "GROUP", "DATABASE",
    };

    private readonly Dictionary<string, string> _env;
    private readonly JsonObject _tree = [];
    private readonly Dictionary<string, string> _origins = new(StringComparer.Ordinal);

    private EnvironmentConfig(IReadOnlyDictionary<string, string> env)
    {
        _env = env.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    public static JsonObject Build(IReadOnlyDictionary<string, string> env) => Build(env, out _);

    /// <summary>The tree, and for each key path set (e.g. <c>restapi.listen</c>) the variable that set it.</summary>
    public static JsonObject Build(IReadOnlyDictionary<string, string> env, out IReadOnlyDictionary<string, string> origins)
    {
        ArgumentNullException.ThrowIfNull(env);
        var builder = new EnvironmentConfig(env);
        builder.BuildTree();
        origins = builder._origins;
        return builder._tree;
    }

    /// <summary>The variable that set <paramref name="path"/> or one of its parents, if any.</summary>
    public static string? OriginOf(IReadOnlyDictionary<string, string> origins, string path)
    {
        ArgumentNullException.ThrowIfNull(origins);
        for (var key = path; key.Length > 0; key = key.LastIndexOf('.') is var cut and > 0 ? key[..cut] : "")
        {
            if (origins.TryGetValue(key, out var variable))
            {
                return variable;
            }
        }

        return null;
    }

    private void BuildTree()
    {
        foreach (var param in new[] { "name", "namespace", "scope" })
        {
            if (Pop(param) is { } value)
            {
                _tree[param] = value;
                _origins[param] = Prefix + param.ToUpperInvariant();
            }
        }

        // Old log variable names, used only when the new one is not set.
        foreach (var (name, old) in new[] { ("LEVEL", "LOGLEVEL"), ("FORMAT", "LOGFORMAT"), ("DATEFORMAT", "LOG_DATEFMT") })
        {
            if (Pop(old) is { } value)
            {
                _env.TryAdd(Prefix + "LOG_" + name, value);
            }
        }

        Section("restapi", "listen", "connect_address", "certfile", "keyfile", "keyfile_password", "cafile", "ciphers",
            "verify_client", "request_queue_size");
        Section("ctl", "insecure", "cacert", "certfile", "keyfile", "keyfile_password");
        Section("postgresql", "listen", "connect_address", "proxy_address", "config_dir", "data_dir", "pgpass", "bin_dir");
        Section("log", "level", "traceback_level", "format", "dateformat", "max_queue_size", "dir", "file_size", "file_num");
        Parsed("restapi", "allowlist", ParseList);
        Parsed("restapi", "allowlist_include_members", (_, _, v) => JsonValue.Create(v));
        Parsed("restapi", "http_extra_headers", ParseDict);
        Parsed("restapi", "https_extra_headers", ParseDict);
        Parsed("log", "loggers", ParseDict);

        foreach (var section in new[] { "restapi", "ctl" })
        {
            if (Auth(section, AuthParameters[..2]) is { } auth)
            {
                Obj(section)["authentication"] = auth;
                _origins[section + ".authentication"] = $"{Prefix}{section.ToUpperInvariant()}_USERNAME/_PASSWORD";
            }
        }

        var authentication = new JsonObject();
        foreach (var kind in new[] { "replication", "superuser", "rewind" })
        {
            if (Auth(kind, AuthParameters) is { } entry)
            {
                authentication[kind] = entry;
                _origins["postgresql.authentication." + kind] = $"{Prefix}{kind.ToUpperInvariant()}_*";
            }
        }

        if (authentication.Count > 0)
        {
            Obj("postgresql")["authentication"] = authentication;
        }

        DcsSections();
        Users();
    }

    private void DcsSections()
    {
        foreach (var key in _env.Keys.Order(StringComparer.Ordinal).ToList())
        {
            var rest = key[Prefix.Length..];
            var cut = rest.IndexOf('_', StringComparison.Ordinal);
            if (cut <= 0 || !DcsSuffixes.Contains(rest[(cut + 1)..]))
            {
                continue;
            }

            var dcs = rest[..cut].ToLowerInvariant();
            var suffix = rest[(cut + 1)..];
            var value = _env[key];
            _env.Remove(key);
            JsonNode? node = suffix switch
            {
                "HOSTS" or "PORTS" or "CHECKS" or "SERVICE_TAGS" or "RETRIABLE_HTTP_CODES" => ParseList(key, dcs + "." + suffix.ToLowerInvariant(), value),
                "LABELS" or "SET_ACLS" => ParseDict(key, dcs + "." + suffix.ToLowerInvariant(), value),
                _ => JsonValue.Create(value),
            };
            if (node is not null)
            {
                Obj(dcs)[suffix.ToLowerInvariant()] = node;
                _origins[dcs + "." + suffix.ToLowerInvariant()] = key;
            }
        }

        foreach (var dcs in new[] { "etcd", "etcd3" })
        {
            if (_tree.ContainsKey(dcs) && Auth(dcs, AuthParameters[..2]) is { } auth)
            {
                foreach (var (k, v) in auth.ToList())
                {
                    auth.Remove(k);
                    Obj(dcs)[k] = v;
                    _origins[dcs + "." + k] = $"{Prefix}{dcs.ToUpperInvariant()}_{k.ToUpperInvariant()}";
                }
            }
        }
    }

    private void Users()
    {
        var users = new JsonObject();
        foreach (var key in _env.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!key.EndsWith("_PASSWORD", StringComparison.Ordinal) || key.Length <= Prefix.Length + "_PASSWORD".Length)
            {
                continue;
            }

            // User names keep their case: PATRONI_admin_PASSWORD creates "admin".
            var name = key[Prefix.Length..^"_PASSWORD".Length];
            _env.Remove(key, out var password);
            if (string.IsNullOrEmpty(password))
            {
                continue;
            }

            var user = new JsonObject { ["password"] = password };
            if (_env.Remove(Prefix + name + "_OPTIONS", out var options) && options.Length > 0)
            {
                user["options"] = Parse(Prefix + name + "_OPTIONS", $"bootstrap.users.{name}.options", options.Contains('[', StringComparison.Ordinal) ? options : "[" + options + "]");
            }

            users[name] = user;
            _origins["bootstrap.users." + name] = key;
        }

        if (users.Count > 0)
        {
            Obj("bootstrap")["users"] = users;
        }
    }

    private JsonObject? Auth(string section, IEnumerable<string> parameters)
    {
        var auth = new JsonObject();
        foreach (var param in parameters)
        {
            if (Pop(section + "_" + param) is { } value)
            {
                auth[param] = value;
            }
        }

        return auth.Count > 0 ? auth : null;
    }

    private void Section(string section, params string[] parameters)
    {
        foreach (var param in parameters)
        {
            if (Pop(section + "_" + param) is { } value)
            {
                Obj(section)[param] = value;
                _origins[section + "." + param] = Prefix + (section + "_" + param).ToUpperInvariant();
            }
        }
    }

    private void Parsed(string section, string param, Func<string, string, string, JsonNode?> parse)
    {
        var variable = Prefix + (section + "_" + param).ToUpperInvariant();
        if (Pop(section + "_" + param) is { } value && parse(variable, section + "." + param, value) is { } node)
        {
            Obj(section)[param] = node;
            _origins[section + "." + param] = variable;
        }
    }

    private static JsonNode? ParseList(string variable, string path, string value) =>
        Parse(variable, path, value.TrimStart().StartsWith('-') || value.Contains('[', StringComparison.Ordinal) ? value : "[" + value + "]");

    private static JsonNode? ParseDict(string variable, string path, string value) =>
        Parse(variable, path, value.TrimStart().StartsWith('{') ? value : "{" + value + "}");

    /// <summary>A value that is YAML itself; a syntax error names the variable instead of a line of some file.</summary>
    private static JsonNode? Parse(string variable, string path, string yaml)
    {
        try
        {
            return YamlTree.ParseDocument(yaml);
        }
        catch (YamlSyntaxException e)
        {
            throw new YamlSyntaxException(0, 0, e.Message) { Origin = variable, Key = path };
        }
    }

    private JsonObject Obj(string section)
    {
        if (_tree[section] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        _tree[section] = created;
        return created;
    }

    /// <summary>Reads and consumes PATRONI_{NAME}; empty values count as unset, like Patroni.</summary>
    private string? Pop(string name)
    {
        var key = Prefix + name.ToUpperInvariant();
        if (!_env.Remove(key, out var value))
        {
            return null;
        }

        return string.IsNullOrEmpty(value) ? null : value;
    }
}
