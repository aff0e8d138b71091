using System.Text.Json.Nodes;
using NodeAgent.Configuration;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Ctl;

/// <summary>
/// What agentctl needs from the configuration: scope, namespace, the etcd endpoints, and how to call the
/// members' REST API. Read leniently from the agent's YAML (a patronictl-only file with just scope and
/// etcd3 is fine), patched with the PATRONI_* variables, then -d and -k applied.
/// </summary>
internal sealed record CtlSettings(AgentConfig Config)
{
    public const string DefaultConfigPath = "/etc/node-agent/config.yml";

    public string? Scope => string.IsNullOrEmpty(Config.Scope) ? null : Config.Scope;

    /// <summary>-c, then AGENTCTL_CONFIG_FILE, then PATRONICTL_CONFIG_FILE, then the default path.</summary>
    public static string ResolvePath(string? option, IReadOnlyDictionary<string, string> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        foreach (var candidate in new[] { option, env.GetValueOrDefault("AGENTCTL_CONFIG_FILE"), env.GetValueOrDefault("PATRONICTL_CONFIG_FILE") })
        {
            if (!string.IsNullOrEmpty(candidate))
            {
                return candidate;
            }
        }

        return DefaultConfigPath;
    }

    public static CtlSettings Load(string path, string? dcsUrl, bool insecure, IReadOnlyDictionary<string, string> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        JsonObject tree;
        if (File.Exists(path))
        {
            try
            {
                tree = YamlTree.ParseMapping(File.ReadAllText(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CtlException($"Provided config file {path} not existing or no read rights. Check the -c/--config-file parameter");
            }
            catch (YamlSyntaxException e)
            {
                var at = e.Line > 0 ? $":{e.Line}:{e.Column}" : "";
                throw new CtlException($"Can not parse {path}{at}: {(e.Key is null ? "" : e.Key + ": ")}{e.Message}");
            }
        }
        else if (path != DefaultConfigPath)
        {
            throw new CtlException($"Provided config file {path} not existing or no read rights. Check the -c/--config-file parameter");
        }
        else
        {
            tree = [];
        }

        try
        {
            JsonTreeMerge.Patch(tree, EnvironmentConfig.Build(env));
        }
        catch (YamlSyntaxException e)
        {
            throw new CtlException($"{e.Origin}: {e.Key}: {e.Message}");
        }

        if (DcsUrl.Parse(dcsUrl) is { } hosts)
        {
            tree.Remove("etcd");
            tree["etcd3"] = new JsonObject { ["hosts"] = new JsonArray([.. hosts.Select(h => (JsonNode)JsonValue.Create(h))]) };
        }

        // Problems such as a missing data_dir matter to the agent, not to the CLI; unusable etcd endpoints matter to both.
        var problems = new ConfigProblems();
        var config = AgentConfigMapper.Map(tree, problems);
        if (problems.Items.FirstOrDefault(p => p.Severity == ConfigSeverity.Error && p.Path.StartsWith("etcd3.", StringComparison.Ordinal)) is { } bad)
        {
            throw new CtlException($"{bad.Path}: {bad.Message}");
        }

        if (insecure)
        {
            config = config with { Ctl = config.Ctl with { Insecure = true } };
        }

        return new CtlSettings(config);
    }
}
