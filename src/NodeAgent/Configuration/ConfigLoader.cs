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

    /// <summary>
    /// Reads and validates; never throws for any content (used by --validate-config and SIGHUP). Each problem
    /// names where its value came from: the file with line and column, or the <c>PATRONI_*</c> variable.
    /// </summary>
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

            return Validate(text, env, checkMachine, path);
        }

        if (env.TryGetValue(EnvironmentConfig.ConfigurationVariable, out var whole) && !string.IsNullOrWhiteSpace(whole))
        {
            // config.py:Config.__init__ uses PATRONI_CONFIGURATION as is, without the other variables patched over it.
            return Validate(whole, null, checkMachine, EnvironmentConfig.ConfigurationVariable);
        }

        return Validate(null, env, checkMachine, null);
    }

    /// <summary>YAML text patched with the environment, then validated.</summary>
    public static ConfigValidationResult ReadText(string yaml, IReadOnlyDictionary<string, string> env, bool checkMachine = true)
    {
        ArgumentNullException.ThrowIfNull(env);
        return Validate(yaml, env, checkMachine, null);
    }

    /// <summary>How to name a config read without a file, in messages.</summary>
    public static string EnvironmentSourceName(IReadOnlyDictionary<string, string> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        return env.TryGetValue(EnvironmentConfig.ConfigurationVariable, out var whole) && !string.IsNullOrWhiteSpace(whole)
            ? EnvironmentConfig.ConfigurationVariable
            : "PATRONI_* environment";
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

    /// <summary>The YAML (if any) patched with the environment (if any), validated, each problem located.</summary>
    private static ConfigValidationResult Validate(string? yaml, IReadOnlyDictionary<string, string>? env, bool checkMachine, string? source)
    {
        var locations = new Dictionary<string, (long Line, long Column)>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string> origins = new Dictionary<string, string>();
        JsonObject tree;
        try
        {
            tree = yaml is null ? [] : YamlTree.ParseMapping(yaml, locations);
            if (env is not null)
            {
                JsonTreeMerge.Patch(tree, EnvironmentConfig.Build(env, out origins));
            }
        }
        catch (YamlSyntaxException e)
        {
            var problem = new ConfigProblem(ConfigSeverity.Error, e.Key ?? "(document)", e.Message)
            {
                Source = e.Origin ?? source,
                Line = e.Line,
                Column = e.Column,
            };
            return new ConfigValidationResult(null, [problem]);
        }

        if (tree.Count == 0)
        {
            return new ConfigValidationResult(null, [new ConfigProblem(ConfigSeverity.Error, "(document)", "the configuration is empty") { Source = source }]);
        }

        var result = ConfigValidator.Validate(tree, checkMachine);
        var located = result.Problems.Select(p => Locate(p, source, locations, origins)).ToList();
        return result with { Problems = located };
    }

    private static ConfigProblem Locate(
        ConfigProblem problem, string? source, Dictionary<string, (long Line, long Column)> locations, IReadOnlyDictionary<string, string> origins)
    {
        if (EnvironmentConfig.OriginOf(origins, problem.Path) is { } variable)
        {
            return problem with { Source = variable };
        }

        for (var key = problem.Path; key.Length > 0; key = key.LastIndexOf('.') is var cut and > 0 ? key[..cut] : "")
        {
            if (locations.TryGetValue(key, out var at))
            {
                return problem with { Source = source, Line = at.Line, Column = at.Column };
            }
        }

        return source is null ? problem : problem with { Source = source };
    }

    private static ConfigValidationResult Failed(string path, string message) =>
        new(null, [new ConfigProblem(ConfigSeverity.Error, path, message)]);
}
