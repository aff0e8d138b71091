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
        var existing = await _sql.SlotsAsync(SqlBudget, cancellationToken);
        foreach (var slot in existing)
        {
            // Only physical slots are ours to drop here; logical slots are managed elsewhere.
            if (slot.Type == "physical" && !slot.Active && !desiredPhysicalSlots.Contains(slot.Name)
                && !_dynamic.IgnoreSlots.Any(rule => rule.Matches(slot.Name, slot.Type, database: null, plugin: null)))
            {
                await IgnoringAsync(UndefinedObject, () => _sql.ExecuteAsync(
                    "SELECT pg_catalog.pg_drop_replication_slot(@n)", SqlBudget, cancellationToken, ("n", slot.Name)));
                LogSlotDropped(slot.Name);
            }
        }

        foreach (var name in desiredPhysicalSlots)
        {
            if (!existing.Any(s => s.Name == name))
            {
                await IgnoringAsync(DuplicateObject, () => _sql.ExecuteAsync(
                    "SELECT pg_catalog.pg_create_physical_replication_slot(@n, true)", SqlBudget, cancellationToken, ("n", name)));
                LogSlotCreated(name);
            }
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
