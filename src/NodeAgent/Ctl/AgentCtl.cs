using NodeAgent.Configuration;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Dcs;
using NodeAgent.Ctl.Rest;
using NodeAgent.Dcs;

namespace NodeAgent.Ctl;

/// <summary>
/// The operator CLI, command-compatible with patronictl: global options, then a command. Returns the exit
/// code: 0 done, 1 refused or failed ("Error: ..."), 2 bad command line.
/// </summary>
internal static class AgentCtl
{
    public const string Program = "agentctl";

    public static Task<int> RunAsync(string[] args) =>
        RunAsync(args, CtlConsole.System(), ConfigLoader.ProcessEnvironment(), TimeProvider.System, CancellationToken.None);

    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, CtlConsole console, IReadOnlyDictionary<string, string> env, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        try
        {
            var global = GlobalOptions.Parse(args);
            if (global.ShowHelp || global.Command is null)
            {
                console.Out.Write(HelpFormatter.MainHelp(Program, CommandTable.All));
                return 0;
            }

            var command = CommandTable.Find(global.Command)
                ?? throw new CtlUsageException($"No such command '{global.Command}'.");
            // Like click: the group (configuration) is loaded before the command's own options are parsed.
            var settings = CtlSettings.Load(CtlSettings.ResolvePath(global.ConfigFile, env), global.DcsUrl, global.Insecure, env);
            var parsed = ArgParser.Parse(command, global.CommandArgs);
            if (parsed is null)
            {
                console.Out.Write(HelpFormatter.CommandHelp(Program, command));
                return 0;
            }

            using var api = new MemberApiClient(settings.Config, TimeSpan.FromMinutes(2));
            var ctx = new CtlContext(console, settings, time, name => OpenDcs(settings, name, time), api);
            return await command.Run(ctx, parsed, cancellationToken).ConfigureAwait(false);
        }
        catch (CtlUsageException e) when (e.Bare)
        {
            await console.Error.WriteAsync($"Error: {e.Message}\n").ConfigureAwait(false);
            return 2;
        }
        catch (CtlUsageException e)
        {
            var usage = e.Command is null ? $"Usage: {Program} [OPTIONS] COMMAND [ARGS]..." : e.Command.UsageLine(Program);
            var hint = e.Command is null ? $"{Program} --help" : $"{Program} {e.Command.Name} --help";
            await console.Error.WriteAsync($"{usage}\nTry '{hint}' for help.\n\nError: {e.Message}\n").ConfigureAwait(false);
            return 2;
        }
        catch (CtlException e)
        {
            await console.Error.WriteAsync($"Error: {e.Message}\n").ConfigureAwait(false);
            return 1;
        }
        catch (CtlAbortedException)
        {
            await console.Error.WriteAsync("\nAborted!\n").ConfigureAwait(false);
            return 1;
        }
        catch (DcsUnavailableException e)
        {
            await console.Error.WriteAsync($"Error: the DCS is not reachable: {e.Message}\n").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // The cluster's retry_timeout lives in the DCS, which is what may be down: the config file's
    // bootstrap.dcs value (what the cluster was created with) bounds the wait instead of a fixed 10 s.
    private static EtcdCtlDcs OpenDcs(CtlSettings settings, string clusterName, TimeProvider time) =>
        new(settings.Config.Etcd3, CtlContext.KeyPrefix(settings.Config.Namespace, clusterName), time,
            TimeSpan.FromSeconds(settings.Config.Bootstrap.Dcs.RetryTimeout));
}
