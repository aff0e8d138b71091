using NodeAgent.Ctl;

namespace NodeAgent.Tests.Ctl;

/// <summary>Runs agentctl in-process with the given stdin, capturing stdout and stderr; no process environment.</summary>
internal static class CtlHarness
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static async Task<Result> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var console = new CtlConsole(new StringReader(stdin), output, error);
        var code = await AgentCtl.RunAsync(args, console, new Dictionary<string, string>(), TimeProvider.System, CancellationToken.None);
        return new Result(code, output.ToString(), error.ToString());
    }
}
