namespace NodeAgent.Postgres;

/// <summary>
/// The client hold-off after a switchover (<see cref="ClientHoldoff"/>): a window opened at the demotion, in which every
/// replica start listens on the unix socket only (the demoted node may start more than once: read-only without an
/// upstream, then again after the rejoin check); the HA loop or a promotion closes it.
/// </summary>
internal sealed partial class PostgresInstance
{
    // Monotonic timestamp the window ends at; null: no window.
    private long? _clientHoldoffUntil;

    // The running postmaster was started on the unix socket only.
    private bool _startedUnixSocketOnly;

    public void HoldOffClientsAfterSwitchover()
    {
        var seconds = _config.Postgresql.DemotedClientHoldoff;
        if (seconds <= 0 || !ClientHoldoff.IsPossible(Parameters))
        {
            return;
        }

        _clientHoldoffUntil = _time.GetTimestamp() + (long)(seconds * (double)_time.TimestampFrequency);
        LogClientHoldoffStarted(seconds);
    }

    public Task OpenToClientsAsync(CancellationToken cancellationToken) => ReopenToClientsAsync("its time is up", cancellationToken);

    /// <summary>What the observation reports: time left while the running postmaster is held off, else null.</summary>
    private TimeSpan? ClientHoldoffRemaining() =>
        _startedUnixSocketOnly ? ClientHoldoff.Remaining(_clientHoldoffUntil, _time) ?? TimeSpan.Zero : null;

    // pg_promote() on a node nobody can reach over TCP would be a primary without clients: reopen first.
    private Task EndClientHoldoffBeforePromoteAsync(CancellationToken cancellationToken) =>
        ReopenToClientsAsync("this replica is being promoted", cancellationToken);

    // Ends the window; a postmaster running on the unix socket only is restarted with its listen addresses.
    private async Task ReopenToClientsAsync(string why, CancellationToken cancellationToken)
    {
        _clientHoldoffUntil = null;
        if (!_startedUnixSocketOnly || !_postmaster.TryAdopt())
        {
            _startedUnixSocketOnly = false;
            return;
        }

        LogClientHoldoffEnded(Parameters["listen_addresses"], why);
        await RestartAsync(PgCtlTimeout, cancellationToken);
    }

    // The command line of a start: unix socket only for a replica inside the window. Remembers which one it chose.
    private IReadOnlyList<string> StartOptions(bool asPrimary)
    {
        var left = asPrimary ? null : ClientHoldoff.Remaining(_clientHoldoffUntil, _time);
        _startedUnixSocketOnly = left > TimeSpan.Zero;
        if (_startedUnixSocketOnly)
        {
            LogStartingHeldOff(left!.Value.TotalSeconds);
        }

        return RunningOptions();
    }

    // The command line the running postmaster should have (a restart is pending when it differs).
    private IReadOnlyList<string> RunningOptions()
    {
        var options = CommandLineOptions(Parameters);
        return _startedUnixSocketOnly ? ClientHoldoff.UnixSocketOnly(options) : options;
    }
}
