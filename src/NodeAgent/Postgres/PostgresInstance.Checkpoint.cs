namespace NodeAgent.Postgres;

/// <summary>
/// rewind.py:ensure_checkpoint_after_promote: pg_control names the new timeline only after a checkpoint, and pg_rewind
/// against a primary whose pg_control still has the old one finds nothing to rewind. The new primary runs one in the
/// background and says so in its member key (<c>checkpoint_after_promote: false</c>) until it is done, which Patroni
/// members and our own rejoin wait for.
/// </summary>
internal sealed partial class PostgresInstance
{
    // As Patroni's, the checkpoint is not cut short: a slow one must not be reported as done.
    private static readonly TimeSpan CheckpointAfterPromoteBudget = TimeSpan.FromHours(6);
    private Task? _checkpointAfterPromote;
    private volatile bool _checkpointAfterPromoteFailed;

    /// <summary>The checkpoint after the last promotion has not succeeded yet (a failed one is tried again).</summary>
    private bool CheckpointAfterPromotePending => _checkpointAfterPromote is { IsCompleted: false } || _checkpointAfterPromoteFailed;

    private void StartCheckpointAfterPromote()
    {
        _checkpointAfterPromoteFailed = false;
        _checkpointAfterPromote = Task.Run(async () =>
        {
            try
            {
                await _sql.CheckpointAsync(CheckpointAfterPromoteBudget, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or Npgsql.NpgsqlException or InvalidOperationException or OperationCanceledException)
            {
                LogCheckpointFailed(e.Message);
                _checkpointAfterPromoteFailed = true;
            }
        });
    }

    /// <summary>A primary whose checkpoint after promotion failed tries again at the next look.</summary>
    private void RetryCheckpointAfterPromote()
    {
        if (_checkpointAfterPromoteFailed && _checkpointAfterPromote is { IsCompleted: true })
        {
            StartCheckpointAfterPromote();
        }
    }

    /// <summary>Started as a replica: no promotion of this postmaster is waiting for its checkpoint.</summary>
    private void ForgetCheckpointAfterPromote()
    {
        _checkpointAfterPromoteFailed = false;
        _checkpointAfterPromote = null;
    }
}
