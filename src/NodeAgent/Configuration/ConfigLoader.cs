using System.Collections;
using System.Text.Json.Nodes;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Configuration;

/// <summary>
/// Reads the local configuration like Patroni's <c>Config.__init__</c>: the file patched with the
/// <c>PATRONI_*</c> variables (file &lt; env); without a file, <c>PATRONI_CONFIGURATION</c> as the whole YAML,
/// or else the variables alone. The environment is passed in so tests never touch the process's.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Loads and validates; throws <see cref="ConfigException"/> listing every error.</summary>
    public static AgentConfig Load(string? path, IReadOnlyDictionary<string, string> env) => Load(path, env, out _);

    public static AgentConfig Load(string? path, IReadOnlyDictionary<string, string> env, out IReadOnlyList<ConfigProblem> warnings)
    {
        var result = Read(path, env);
        warnings = result.Warnings.ToList();
        if (!result.IsValid)
        {
            throw new ConfigException(result.Errors.ToList());
        }

        return result.Config!;
    }

    /// <summary>Reads and validates without throwing (used by --validate-config).</summary>
    public static ConfigValidationResult Read(string? path, IReadOnlyDictionary<string, string> env, bool checkMachine = true)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (path is not null)
        {
            if (!File.Exists(path))
            {
                return Failed(path, "the configuration file does not exist");
            }

            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Failed(path, e.Message);
            }

            return ReadText(text, env, checkMachine);
        }

        if (env.TryGetValue(EnvironmentConfig.ConfigurationVariable, out var whole) && !string.IsNullOrWhiteSpace(whole))
        {
            // Patroni uses PATRONI_CONFIGURATION as is, without the other variables patched over it.
            return Validate(() => YamlTree.ParseMapping(whole), checkMachine);
        }

        return Validate(() => EnvironmentConfig.Build(env), checkMachine);
    }

    /// <summary>YAML text patched with the environment, then validated.</summary>
    public static ConfigValidationResult ReadText(string yaml, IReadOnlyDictionary<string, string> env, bool checkMachine = true)
    {
        ArgumentNullException.ThrowIfNull(env);
        return Validate(
            () =>
            {
                var tree = YamlTree.ParseMapping(yaml);
                JsonTreeMerge.Patch(tree, EnvironmentConfig.Build(env));
                return tree;
            },
            checkMachine);
    }

    /// <summary>A snapshot of this process's environment.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }

    private static ConfigValidationResult Validate(Func<JsonObject> buildTree, bool checkMachine)
    {
        JsonObject tree;
        try
        {
            tree = buildTree();
        }
        catch (YamlSyntaxException e)
        {
            return Failed(e.Location, e.Message);
        }

        if (tree.Count == 0)
        {
            return Failed("(document)", "the configuration is empty");
        }

        return ConfigValidator.Validate(tree, checkMachine);
    }

    private static ConfigValidationResult Failed(string path, string message) =>
        new(null, [new ConfigProblem(ConfigSeverity.Error, path, message)]);
}
