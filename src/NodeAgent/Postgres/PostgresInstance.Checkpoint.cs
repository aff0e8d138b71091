namespace NodeAgent.Postgres;

/// <summary>
/// rewind.py:ensure_checkpoint_after_promote: pg_control names the new timeline only after a checkpoint, and pg_rewind
/// against a primary whose pg_control still has the old one finds nothing to rewind. The new primary runs one in the
/// background and says so in its member key (<c>checkpoint_after_promote: false</c>) until it is done, which Patroni
/// members and our own rejoin wait for.
/// </summary>
internal sealed partial class PostgresInstance
{
    private Task? _checkpointAfterPromote;

    /// <summary>A checkpoint after the last promotion is still running.</summary>
    private bool CheckpointAfterPromotePending => _checkpointAfterPromote is { IsCompleted: false };

    private void StartCheckpointAfterPromote()
    {
        // A failed checkpoint is not retried: postgres makes one itself soon enough, as Patroni then assumes too.
        _checkpointAfterPromote = Task.Run(async () =>
        {
            try
            {
                await _sql.CheckpointAsync(PgCtlTimeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or Npgsql.NpgsqlException or InvalidOperationException or OperationCanceledException)
            {
                LogCheckpointFailed(e.Message);
            }
        });
    }
}
