using System.Diagnostics;
using NodeAgent.Ctl;

namespace NodeAgent.IntegrationTests.Ctl;

/// <summary>Runs agentctl in-process (stdin given, stdout/stderr captured) and the real patronictl as a child.</summary>
public static class CtlRun
{
    public sealed record Result(int ExitCode, string Out, string Err);

    internal static async Task<Result> AgentCtlAsync(string stdin, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var console = new CtlConsole(new StringReader(stdin), output, error);
        var code = await AgentCtl.RunAsync(args, console, new Dictionary<string, string>(), TimeProvider.System, CancellationToken.None);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs agentctl for <paramref name="runFor"/> and then cancels it (watch mode never ends on its own);
    /// returns what it printed. The exit code is whatever it returned on cancellation, -1 if it threw.
    /// </summary>
    internal static async Task<Result> AgentCtlForAsync(TimeSpan runFor, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var console = new CtlConsole(new StringReader(""), output, error);
        using var stop = new CancellationTokenSource(runFor);
        int code;
        try
        {
            code = await AgentCtl.RunAsync(args, console, new Dictionary<string, string>(), TimeProvider.System, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            code = -1;
        }
        return new Result(code, output.ToString(), error.ToString());
    }

    public static async Task<Result> PatronictlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/patronictl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // Keep the machine's PATRONI_* variables out of the comparison.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PATRONI", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start patronictl");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
