namespace NodeAgent.Hosting;

/// <summary>Dispatches on how the binary was invoked: as <c>agentctl</c> (symlink) or as <c>node-agent</c>.</summary>
internal static class EntryPoint
{
    public static async Task<int> RunAsync(string[] args)
    {
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
        if (invokedAs.StartsWith("agentctl", StringComparison.Ordinal))
        {
            return await Ctl.AgentCtl.RunAsync(args).ConfigureAwait(false);
        }

        return await AgentCommandLine.RunAsync(args).ConfigureAwait(false);
    }
}
