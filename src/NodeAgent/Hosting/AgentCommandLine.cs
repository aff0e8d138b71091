using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary><c>node-agent [--version | --help | --validate-config FILE | CONFIG_FILE]</c>, like <c>patroni</c>.</summary>
internal static class AgentCommandLine
{
    public const string Usage = """
        Usage: node-agent [OPTIONS] [CONFIG_FILE]

        PostgreSQL high-availability agent, a drop-in replacement for Patroni.

        Options:
          --validate-config FILE  check the configuration file and exit (0 valid, 1 invalid)
          --version               print the version and exit
          --help                  show this message and exit
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h")
        {
            await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? 1 : 0;
        }

        if (args[0] == "--version")
        {
            await Console.Out.WriteLineAsync($"node-agent {AgentVersion.Current}").ConfigureAwait(false);
            return 0;
        }

        if (args[0] == "--validate-config")
        {
            if (args.Length != 2)
            {
                await Console.Error.WriteLineAsync("--validate-config needs exactly one FILE").ConfigureAwait(false);
                return 1;
            }

            return await ValidateConfigAsync(args[1], ConfigLoader.ProcessEnvironment(), Console.Out, Console.Error).ConfigureAwait(false);
        }

        if (args[0] == "--fence" && args.Length == 2)
        {
            // Internal: the fence process the agent starts beside itself (see Fencing/ProcessFencer).
            return await new Fencing.FenceProcess(args[1], Console.In, Console.Error, TimeProvider.System)
                .RunAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (args[0].StartsWith('-'))
        {
            await Console.Error.WriteLineAsync($"unknown option {args[0]}\n{Usage}").ConfigureAwait(false);
            return 1;
        }

        return await AgentRunner.RunAsync(args[0]).ConfigureAwait(false);
    }

    /// <summary>Prints every finding as "error: key.path: problem" / "warning: ..." on stderr; 0 valid, 1 invalid.</summary>
    internal static async Task<int> ValidateConfigAsync(string path, IReadOnlyDictionary<string, string> env, TextWriter stdout, TextWriter stderr)
    {
        var result = ConfigLoader.Read(path, env);
        foreach (var problem in result.Problems.OrderBy(p => p.Severity))
        {
            await stderr.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            await stderr.WriteLineAsync($"{path}: invalid configuration").ConfigureAwait(false);
            return 1;
        }

        await stdout.WriteLineAsync($"{path}: configuration is valid").ConfigureAwait(false);
        return 0;
    }
}
