namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The processes of one machine as a test sees them: the roots it names (an agent, anything naming its data
/// dir) and all their descendants (fence, postmaster, every backend). Freeze and kill act on all of them and
/// return only once /proc shows that they took effect.
/// </summary>
/// <remarks>What they return is each PID with its command line as it was when stopped (a killed one has none left).</remarks>
public sealed class ProcessTree(Func<IEnumerable<int>> roots)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    /// <summary>Every live member now (zombies excluded: they can no longer act).</summary>
    public IReadOnlyList<ProcessStat> Members() => ProcFs.TreeOf(roots(), ProcFs.All()).Where(p => !p.IsDead).ToList();

    /// <summary>
    /// SIGSTOP to every member, repeated until a fresh listing finds no member that is not stopped ('T'): a
    /// process forked before its parent stopped is caught by the next pass. Returns the stopped processes.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, string>> StopAllAsync(CancellationToken cancellationToken = default)
    {
        var left = "nothing listed yet";
        try
        {
            await Poll.UntilAsync(
                () =>
                {
                    foreach (var member in Members().Where(m => m.State != 'T'))
                    {
                        Signals.Send(member.Pid, Signals.SigStop);
                    }
                    // Signals are delivered asynchronously: judge by a fresh look, not by kill's result.
                    var members = Members();
                    left = members.Count == 0 ? "no process found" : string.Join(", ", members.Where(m => m.State != 'T').Select(m => $"{m.Pid}:{m.State}"));
                    return members.Count > 0 && members.All(m => m.State == 'T');
                },
                Settle,
                "every process of the tree to be stopped (state T)",
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; not stopped: {left}", ex);
        }
        return Members().ToDictionary(m => m.Pid, m => ProcFs.CommandLine(m.Pid));
    }

    /// <summary>SIGCONT to <paramref name="pids"/> and to any member still stopped; returns once none is stopped.</summary>
    public async Task ContinueAllAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken = default) =>
        await Poll.UntilAsync(
            () =>
            {
                foreach (var pid in pids.Concat(Members().Where(m => m.State == 'T').Select(m => m.Pid)).Distinct())
                {
                    Signals.Send(pid, Signals.SigCont);
                }
                return pids.All(pid => ProcFs.Stat(pid) is not { State: 'T' }) && Members().All(m => m.State != 'T');
            },
            Settle,
            "every process of the tree to run again (no state T)",
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Kills the whole tree at once, as a power cut would: first every member is stopped (none runs between
    /// the first kill and the last), then each gets SIGKILL. Returns the killed processes once /proc shows all gone.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, string>> KillAllAsync(CancellationToken cancellationToken = default)
    {
        var killed = await StopAllAsync(cancellationToken).ConfigureAwait(false);
        var pids = killed.Keys.ToList();
        foreach (var pid in pids)
        {
            Signals.Send(pid, Signals.SigKill);
        }
        await Poll.UntilAsync(
            () =>
            {
                // A member forked in the meantime cannot exist (all were stopped), but kill whatever is listed.
                foreach (var member in Members())
                {
                    Signals.Send(member.Pid, Signals.SigKill);
                }
                return pids.All(ProcFs.IsGone) && Members().Count == 0;
            },
            Settle,
            "every killed process to be gone",
            cancellationToken).ConfigureAwait(false);
        return killed;
    }
}
