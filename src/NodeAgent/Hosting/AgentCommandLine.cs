using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>
/// <c>node-agent [--version | --help | --validate-config] [CONFIG_FILE]</c>, like <c>daemon.py:abstract_main</c>:
/// options and the file in any order; without a file the config comes from <c>PATRONI_CONFIGURATION</c> or the
/// other <c>PATRONI_*</c> variables.
/// </summary>
internal static class AgentCommandLine
{
    /// <summary>EX_CONFIG from sysexits.h: the unit's RestartPreventExitStatus= stops systemd restarting a bad config forever.</summary>
    public const int ConfigErrorExitCode = 78;

    public const string Usage = """
        Usage: node-agent [OPTIONS] [CONFIG_FILE]

        PostgreSQL high-availability agent, a drop-in replacement for Patroni.
        Without CONFIG_FILE the configuration is read from the PATRONI_CONFIGURATION
        environment variable, or else from the other PATRONI_* variables.

        Options:
          --validate-config  check the configuration and exit (0 valid, 1 invalid)
          --version          print the version and exit
          --help             show this message and exit

        Exit codes: 0 stopped, 1 failed, 78 the configuration cannot be loaded.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 2 && args[0] == "--fence")
        {
            // Internal: the fence process the agent starts beside itself (see Fencing/ProcessFencer).
            return await new Fencing.FenceProcess(args[1], Console.In, Console.Error, TimeProvider.System)
                .RunAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var env = ConfigLoader.ProcessEnvironment();
        var parsed = AgentArguments.Parse(args);
        switch (parsed)
        {
            case { Error: { } error }:
                await Console.Error.WriteLineAsync($"{error}\n{Usage}").ConfigureAwait(false);
                return 1;
            case { Help: true }:
                await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
                return 0;
            case { Version: true }:
                await Console.Out.WriteLineAsync($"node-agent {AgentVersion.Current}").ConfigureAwait(false);
                return 0;
            case { ConfigFile: null } when !HasEnvironmentConfig(env):
                await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
                return 1;
            case { ValidateConfig: true }:
                return await ValidateConfigAsync(parsed.ConfigFile, env, Console.Out, Console.Error).ConfigureAwait(false);
            default:
                return await AgentRunner.RunAsync(parsed.ConfigFile).ConfigureAwait(false);
        }
    }

    /// <summary>Any PATRONI_* variable can make a config on its own (config.py:Config._build_environment_configuration).</summary>
    internal static bool HasEnvironmentConfig(IReadOnlyDictionary<string, string> env) =>
        env.Any(kv => kv.Key.StartsWith(Configuration.Parsing.EnvironmentConfig.Prefix, StringComparison.Ordinal) && kv.Value.Length > 0);

    /// <summary>Prints every finding as "error: key.path: problem" / "warning: ..." on stderr; 0 valid, 1 invalid.</summary>
    internal static async Task<int> ValidateConfigAsync(string? path, IReadOnlyDictionary<string, string> env, TextWriter stdout, TextWriter stderr)
    {
        var result = ConfigLoader.Read(path, env);
        var source = path ?? ConfigLoader.EnvironmentSourceName(env);
        foreach (var problem in result.Problems.OrderBy(p => p.Severity))
        {
            await stderr.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            await stderr.WriteLineAsync($"{source}: invalid configuration").ConfigureAwait(false);
            return 1;
        }

        await stdout.WriteLineAsync($"{source}: configuration is valid").ConfigureAwait(false);
        return 0;
    }
}
