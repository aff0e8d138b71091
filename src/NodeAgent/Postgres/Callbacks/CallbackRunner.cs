using System.ComponentModel;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;

namespace NodeAgent.Postgres.Callbacks;

/// <summary>
/// Runs the operator's scripts (callback_executor.py:CallbackExecutor). A callback is started and left running: the HA
/// loop never waits for it. One callback runs at a time: the one still running when the next starts is killed with its
/// process group and children. on_reload has a slot of its own (OnReloadExecutor), so a reload does not cut a role
/// change's script short. The owner of every callback's process; nothing else starts or kills them.
/// </summary>
internal sealed partial class CallbackRunner(
    CallbacksConfig callbacks,
    string? prePromote,
    string scope,
    ProcessRunner runner,
    OsUser? runAs,
    TimeProvider time,
    ILogger<CallbackRunner> logger,
    TimeSpan? hangWarningAfter = null) : ICallbacks
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _hangWarningAfter = hangWarningAfter ?? TimeSpan.FromMinutes(1);
    private Running? _current;
    private Running? _reload;

    /// <summary>
    /// A started callback; <see cref="Killed"/> tells its watcher why it ended. <see cref="Ended"/> is set under the
    /// gate before the child is disposed, so a kill never touches a disposed child whatever order the watcher and the
    /// next start run in.
    /// </summary>
    private sealed class Running(ChildProcess child, string key)
    {
        public ChildProcess Child { get; } = child;

        public string Key { get; } = key;

        public bool Killed { get; set; }

        public bool Ended { get; set; }
    }

    public void Fire(CallbackAction action, CallbackRole role)
    {
        if (Command(action) is not { } command || string.IsNullOrWhiteSpace(command))
        {
            return;
        }

        var key = "postgresql.callbacks." + action.Name();
        try
        {
            lock (_gate)
            {
                Running? started;
                if (action == CallbackAction.OnReload)
                {
                    Kill(_reload);
                    started = _reload = TryStart(key, command, [action.Name(), role.Name(), scope]);
                }
                else
                {
                    Kill(_current);
                    started = _current = TryStart(key, command, [action.Name(), role.Name(), scope]);
                }

                // Watched only once it is in its slot: a watcher that finds the script already ended clears the slot.
                if (started is not null)
                {
                    _ = WatchAsync(started);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // callback_executor.py:CallbackExecutor.call logs and carries on: a script never stops the HA cycle.
            LogFireFailed(key, e);
        }
    }

    public async Task<bool> PrePromoteAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(prePromote))
        {
            return true;
        }

        try
        {
            var result = await runner.RunAsync(Spec("postgresql.pre_promote", prePromote, []), timeout, cancellationToken).ConfigureAwait(false);
            if (result.TimedOut)
            {
                LogPrePromoteTimedOut(prePromote, timeout.TotalSeconds);
            }
            else
            {
                LogPrePromoteExited(prePromote, result.ExitCode);
            }

            return result.Succeeded;
        }
        catch (Exception e) when (e is FormatException or Win32Exception or InvalidOperationException)
        {
            LogCannotRun("postgresql.pre_promote", prePromote, e.Message);
            return false;
        }
    }

    private string? Command(CallbackAction action) => action switch
    {
        CallbackAction.OnStart => callbacks.OnStart,
        CallbackAction.OnStop => callbacks.OnStop,
        CallbackAction.OnRestart => callbacks.OnRestart,
        CallbackAction.OnReload => callbacks.OnReload,
        _ => callbacks.OnRoleChange,
    };

    /// <summary>Called under the gate.</summary>
    private Running? TryStart(string key, string command, string[] arguments)
    {
        try
        {
            return new Running(runner.Start(Spec(key, command, arguments)), key);
        }
        catch (Exception e) when (e is FormatException or Win32Exception or InvalidOperationException)
        {
            LogCannotRun(key, command, e.Message);
            return null;
        }
    }

    /// <summary>The command's words (shlex.split) with the callback's arguments appended; its own session, so its group can be killed.</summary>
    private ProcessSpec Spec(string key, string command, string[] arguments)
    {
        var words = ShellWords.Split(command);
        if (words.Count == 0)
        {
            throw new FormatException("empty command");
        }

        return new ProcessSpec
        {
            FileName = words[0],
            Arguments = [.. words.Skip(1), .. arguments],
            RunAs = runAs,
            NewSession = true,
            LogName = key,
        };
    }

    /// <summary>Called under the gate: the previous callback, its process group and its children (CancellableSubprocess._kill_process, _kill_children).</summary>
    private void Kill(Running? running)
    {
        if (running is null || running.Ended || running.Child.HasExited)
        {
            return;
        }

        running.Killed = true;
        LogKilling(running.Key, running.Child.Pid);
        running.Child.KillTree();
        Posix.Signal(-running.Child.Pid, PosixSignalKind.Kill);
    }

    private async Task WatchAsync(Running running)
    {
        var child = running.Child;
        using var hang = new CancellationTokenSource();
        try
        {
            var exited = child.WaitForExitAsync(CancellationToken.None);
            var warn = Task.Delay(_hangWarningAfter, time, hang.Token);
            if (await Task.WhenAny(exited, warn).ConfigureAwait(false) != exited)
            {
                LogStillRunning(running.Key, child.Pid, _hangWarningAfter.TotalSeconds);
            }

            await hang.CancelAsync().ConfigureAwait(false);
            await exited.ConfigureAwait(false);
            Exited(running);
        }
        finally
        {
            lock (_gate)
            {
                running.Ended = true;
                _current = ReferenceEquals(_current, running) ? null : _current;
                _reload = ReferenceEquals(_reload, running) ? null : _reload;
                child.Dispose();
            }
        }
    }

    private void Exited(Running running)
    {
        var code = running.Child.ExitCode;
        if (running.Killed)
        {
            return;
        }

        if (code is 126 or 127)
        {
            // setsid(1) could not execute the script: missing or not executable.
            LogNotRunnable(running.Key, code);
        }
        else if (code != 0)
        {
            LogFailed(running.Key, code);
        }
        else
        {
            LogDone(running.Key);
        }
    }
}
