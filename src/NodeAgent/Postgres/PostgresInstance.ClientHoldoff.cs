namespace NodeAgent.Postgres;

/// <summary>The client hold-off after a switchover (<see cref="ClientHoldoff"/>): started here, ended by the HA loop or a promotion.</summary>
internal sealed partial class PostgresInstance
{
    // Monotonic timestamp the hold-off ends at; null: postgres listens where postgresql.listen says.
    private long? _clientHoldoffUntil;

    public Task<bool> StartAfterSwitchoverAsync(UpstreamTarget? upstream, CancellationToken cancellationToken)
    {
        var seconds = _config.Postgresql.DemotedClientHoldoff;
        _clientHoldoffUntil = null;
        if (seconds > 0 && !_postmaster.TryAdopt() && ClientHoldoff.IsPossible(Parameters))
        {
            _clientHoldoffUntil = _time.GetTimestamp() + (long)(seconds * (double)_time.TimestampFrequency);
            LogClientHoldoffStarted(seconds);
        }

        return StartPostmasterAsync(asPrimary: false, upstream, cancellationToken);
    }

    public async Task OpenToClientsAsync(CancellationToken cancellationToken)
    {
        if (_clientHoldoffUntil is null)
        {
            return;
        }

        if (!_postmaster.TryAdopt())
        {
            _clientHoldoffUntil = null;
            return;
        }

        LogClientHoldoffEnded(Parameters["listen_addresses"], "its time is up");
        await RestartAsync(PgCtlTimeout, cancellationToken);
    }

    // pg_promote() on a node nobody can reach over TCP would be a primary without clients: reopen first.
    private async Task EndClientHoldoffBeforePromoteAsync(CancellationToken cancellationToken)
    {
        if (_clientHoldoffUntil is null || !_postmaster.TryAdopt())
        {
            return;
        }

        LogClientHoldoffEnded(Parameters["listen_addresses"], "this replica is being promoted");
        await RestartAsync(PgCtlTimeout, cancellationToken);
    }

    // The command line a start uses: unix socket only while the hold-off lasts.
    private IReadOnlyList<string> StartOptions()
    {
        var options = CommandLineOptions(Parameters);
        return _clientHoldoffUntil is null ? options : ClientHoldoff.UnixSocketOnly(options);
    }
}
