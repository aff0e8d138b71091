using System.Globalization;
using NodeAgent.Postgres.Relay;

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

    // Inside the window, from the stop on: the agent takes the TCP clients and relays them to the new primary. The HA
    // loop's thread names the target; a start or stop in a background action opens or closes the relay.
    private readonly Lock _relayGate = new();
    private HeldOffClientRelay? _relay;
    private RelayTarget? _relayTarget;

    public void HoldOffClientsAfterSwitchover()
    {
        var seconds = _config.Postgresql.DemotedClientHoldoff;
        if (seconds <= 0 || !ClientHoldoff.IsPossible(Parameters))
        {
            return;
        }

        _clientHoldoffUntil = _time.GetTimestamp() + (long)(seconds * (double)_time.TimestampFrequency);
        lock (_relayGate)
        {
            // The leader this node followed before it led is no target: the next look at the DCS names one.
            _relayTarget = null;
        }

        LogClientHoldoffStarted(seconds);
    }

    public Task OpenToClientsAsync(CancellationToken cancellationToken) => ReopenToClientsAsync("its time is up", cancellationToken);

    public void RelayHeldOffClientsTo(RelayTarget? target)
    {
        lock (_relayGate)
        {
            _relayTarget = target;
            if (_relay is { IsClosed: false } relay)
            {
                relay.SetTarget(target);
            }
        }
    }

    // From the moment postgres stopped listening inside the window until it listens again (or the window ends, whatever
    // postgres does): HAProxy's connects to this node reach the agent instead of a refusal.
    private void RelayClientsWhileHeldOff()
    {
        if (!_config.Postgresql.DemotedClientRelay || ClientHoldoff.Remaining(_clientHoldoffUntil, _time) is not { } left || left <= TimeSpan.Zero)
        {
            return;
        }

        // Both are always set, derived from postgresql.listen (ServerParameters), as BuildConnectionString reads the port.
        var parameters = Parameters;
        var endpoints = ListenEndpoints.Of(parameters["listen_addresses"], int.Parse(parameters["port"], CultureInfo.InvariantCulture));
        lock (_relayGate)
        {
            if (_relay is { IsClosed: false })
            {
                return;
            }

            _relay = HeldOffClientRelay.Open(endpoints, left, _logger);
            _relay?.SetTarget(_relayTarget);
        }
    }

    // Before postgres binds its TCP addresses again.
    private void StopRelayingClients()
    {
        lock (_relayGate)
        {
            _relay?.Dispose();
            _relay = null;
        }
    }

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
        StopRelayingClients();
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
            RelayClientsWhileHeldOff();
        }
        else
        {
            StopRelayingClients();
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
