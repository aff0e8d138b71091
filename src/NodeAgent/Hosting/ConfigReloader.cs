using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>
/// SIGHUP and POST /reload: re-reads the configuration without ever throwing, so a broken file cannot take down a
/// running agent; the caller keeps the running config when <see cref="ConfigReload.Config"/> is null
/// (Patroni's <c>__main__.py:Patroni.reload_config</c> logs "Failed to reload config_file" and carries on too).
/// </summary>
internal static class ConfigReloader
{
    public static ConfigReload Read(string? path, IReadOnlyDictionary<string, string> env)
    {
        try
        {
            var result = ConfigLoader.Read(path, env);
            return result.IsValid
                ? new ConfigReload(result.Config, result.Warnings.ToList(), null)
                : new ConfigReload(null, [], string.Join("; ", result.Errors.Select(e => e.ToString())));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The loader turns every problem into a finding; this is the last line of defence in a signal handler.
            return new ConfigReload(null, [], $"unexpected {e.GetType().Name} while reading the configuration: {e.Message}");
        }
    }
}

/// <summary>The new config and its warnings, or why it was rejected.</summary>
internal sealed record ConfigReload(AgentConfig? Config, IReadOnlyList<ConfigProblem> Warnings, string? Rejection);
