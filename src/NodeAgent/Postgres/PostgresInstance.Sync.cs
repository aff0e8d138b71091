using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>synchronous_standby_names, owned by the agent in synchronous mode (<c>postgresql/config.py:ConfigHandler</c>).</summary>
internal sealed partial class PostgresInstance
{
    // The leader's choice (null: none made yet, or this node is not a primary). Only used in synchronous mode.
    private string? _synchronousStandbyNames;
    private bool _synchronousStandbyNamesSeeded;

    // synchronous_standby_names as this agent last wrote it into postgresql.conf, whoever chose it ("": none; null: the
    // agent has not written the file yet). The kept connection's view of it is checked against this after a reload.
    private volatile string? _writtenSynchronousStandbyNames;

    /// <summary>
    /// The value in force. An agent restarted under a running primary takes it from the postgresql.conf it wrote:
    /// rewriting the file without it would let commits stop waiting while the sync key still names the standby.
    /// </summary>
    private string? SynchronousStandbyNamesInForce()
    {
        if (!_synchronousStandbyNamesSeeded)
        {
            _synchronousStandbyNamesSeeded = true;
            if (!File.Exists(_paths.StandbySignal))
            {
                _synchronousStandbyNames ??= _files.ReadParameter("synchronous_standby_names") is { Length: > 0 } v && v != "*" ? v : null;
            }
        }

        return _synchronousStandbyNames;
    }

    /// <summary>
    /// config.py:set_synchronous_standby_names: remembers the value and, when it changed and postgres runs, rewrites
    /// postgresql.conf and reloads. Returns true when the value changed.
    /// </summary>
    public async Task<bool> SetSynchronousStandbyNamesAsync(string? value, bool reload, CancellationToken cancellationToken)
    {
        var changed = value != SynchronousStandbyNamesInForce();
        if (!changed && !reload)
        {
            return false;
        }

        _synchronousStandbyNames = value;
        LogSynchronousStandbyNames(value ?? "");
        if (_postmaster.TryAdopt() && (WriteConfig(_files.ReadRecoverySection(), _upstreamMember ?? _files.ReadUpstreamMember()) || reload))
        {
            await ReloadSignalAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// config.py:get_server_parameters: in synchronous mode the agent's value replaces the configured one; with none
    /// chosen, strict mode writes '*' (every commit waits) and non-strict mode none (commits do not wait).
    /// </summary>
    internal static void ApplySynchronousStandbyNames(IDictionary<string, string> parameters, DynamicConfig dynamic, string? chosen)
    {
        if (!dynamic.SynchronousMode)
        {
            return;
        }

        if (chosen is not null)
        {
            parameters["synchronous_standby_names"] = chosen;
        }
        else if (dynamic.SynchronousModeStrict)
        {
            parameters["synchronous_standby_names"] = "*";
        }
        else
        {
            parameters.Remove("synchronous_standby_names");
        }
    }
}
