namespace NodeAgent.Ctl;

/// <summary>The operator CLI, command-compatible with patronictl.</summary>
internal static class AgentCtl
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "version")
        {
            await Console.Out.WriteLineAsync($"agentctl version {AgentVersion.Current}").ConfigureAwait(false);
            return 0;
        }

        await Console.Out.WriteLineAsync("Usage: agentctl [OPTIONS] COMMAND [ARGS]...").ConfigureAwait(false);
        return args.Length > 0 && args[0] == "--help" ? 0 : 2;
    }
}
