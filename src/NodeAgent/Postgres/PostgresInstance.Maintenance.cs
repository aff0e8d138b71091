using Npgsql;

namespace NodeAgent.Postgres;

internal sealed partial class PostgresInstance
{
    private const string DuplicateObject = "42710";
    private const string UndefinedObject = "42704";

    public async Task CreateRolesAsync(CancellationToken cancellationToken)
    {
        foreach (var statement in RoleStatements.For(_config.Postgresql.Authentication, _config.Bootstrap.Users))
        {
            await (statement.Unlogged
                ? _sql.ExecuteUnloggedAsync(statement.Sql, SqlBudget, cancellationToken)
                : _sql.ExecuteAsync(statement.Sql, SqlBudget, cancellationToken));
        }

        // The replicas' first pg_basebackup starts with a spread checkpoint, which paces even a handful of dirty
        // buffers at about 100 ms each (0.7 s measured on a fresh cluster); written now, there is nothing left to
        // pace. A fast checkpoint here costs a few ms; the base backups keep Patroni's default (spread).
        await _sql.CheckpointAsync(PgCtlTimeout, cancellationToken);
    }

    public async Task SyncReplicationSlotsAsync(IReadOnlySet<string> desiredPhysicalSlots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desiredPhysicalSlots);
        try
        {
            await SyncSlotsAsync(desiredPhysicalSlots, cancellationToken);
        }
        catch
        {
            _knownSlots.Forget();
            throw;
        }
    }

    private async Task SyncSlotsAsync(IReadOnlySet<string> desiredPhysicalSlots, CancellationToken cancellationToken)
    {
        var pid = _postmaster.Pid;
        var existing = _knownSlots.Current(pid, desiredPhysicalSlots, _dynamic);
        if (existing is null)
        {
            existing = await _sql.SlotsAsync(SqlBudget, cancellationToken);
            _knownSlots.Read(existing, pid, desiredPhysicalSlots, _dynamic);
        }

        var leftActive = false;
        foreach (var slot in existing.ToArray())
        {
            // Only physical slots are ours to drop here; logical slots are managed elsewhere.
            if (slot.Type == "physical" && !desiredPhysicalSlots.Contains(slot.Name)
                && !_dynamic.IgnoreSlots.Any(rule => rule.Matches(slot.Name, slot.Type, database: null, plugin: null)))
            {
                if (slot.Active)
                {
                    leftActive = true;
                    continue;
                }

                await IgnoringAsync(UndefinedObject, () => _sql.ExecuteAsync(
                    "SELECT pg_catalog.pg_drop_replication_slot(@n)", SqlBudget, cancellationToken, ("n", slot.Name)));
                _knownSlots.Dropped(slot.Name);
                LogSlotDropped(slot.Name);
            }
        }

        foreach (var name in desiredPhysicalSlots)
        {
            if (!existing.Any(s => s.Name == name))
            {
                await IgnoringAsync(DuplicateObject, () => _sql.ExecuteAsync(
                    "SELECT pg_catalog.pg_create_physical_replication_slot(@n, true)", SqlBudget, cancellationToken, ("n", name)));
                _knownSlots.Created(name);
                LogSlotCreated(name);
            }
        }

        if (leftActive)
        {
            // Its walsender may be gone by the next cycle: look again then.
            _knownSlots.Forget();
        }
    }

    // Races with another actor (slot created/dropped meanwhile) are expected and harmless.
    private static async Task IgnoringAsync(string sqlState, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (PostgresException ex) when (ex.SqlState == sqlState)
        {
        }
    }
}
