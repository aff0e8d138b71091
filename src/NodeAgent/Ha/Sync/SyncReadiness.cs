using NodeAgent.Cluster;
using NodeAgent.Postgres;

namespace NodeAgent.Ha.Sync;

/// <summary>
/// Which standbys a primary may count as synchronous (<c>postgresql/sync.py:SyncHandler._ready_replicas</c>): a standby newly
/// named in synchronous_standby_names counts only once postgres reports it <c>sync</c> and it has reached the flush
/// position the primary had when that value took effect; commits acknowledged before then did not wait for it. One
/// owner: the loop's look at postgres; it forgets everything when postgres is not a primary.
/// </summary>
public sealed class SyncReadiness
{
    private readonly Dictionary<string, int> _ready = new(StringComparer.OrdinalIgnoreCase);
    private string? _seenNames;
    private SyncStandbyNames _parsed = SyncStandbyNames.Off;
    private Lsn _flushAtChange;

    /// <summary>The parse error of the value in force, if postgres runs with one we cannot read.</summary>
    public string? ParseError { get; private set; }

    /// <summary>Takes a primary's look at its replication and returns the standbys that count as synchronous now.</summary>
    /// <remarks>
    /// Quorum commit (<paramref name="quorum"/>): postgres reports <c>quorum</c>, and the key cannot vouch for a standby
    /// (it names them once one of them caught up), so only the position counts.
    /// </remarks>
    public IReadOnlySet<string> Update(PrimaryReplication replication, SyncState published, bool quorum = false)
    {
        ArgumentNullException.ThrowIfNull(replication);
        ArgumentNullException.ThrowIfNull(published);
        if (replication.SynchronousStandbyNames != _seenNames)
        {
            _seenNames = replication.SynchronousStandbyNames;
            try
            {
                _parsed = SyncStandbyNames.Parse(_seenNames);
                ParseError = null;
            }
            catch (FormatException e)
            {
                _parsed = SyncStandbyNames.Off;
                ParseError = e.Message;
            }

            foreach (var name in _ready.Keys.Where(n => !_parsed.Contains(n)).ToList())
            {
                _ready.Remove(name);
            }

            _flushAtChange = replication.FlushLsn ?? Lsn.Zero;
        }

        foreach (var row in replication.Rows)
        {
            if (row.State != "streaming" || _ready.ContainsKey(row.ApplicationName) || !_parsed.Contains(row.ApplicationName) || SyncStandbyPicker.Position(row, replication.SynchronousCommit) is not { } lsn)
            {
                continue;
            }

            // Named in the sync key already: a standby the leader (maybe before a restart of this agent) verified.
            var ready = quorum
                ? row.SyncState == "quorum" && lsn >= _flushAtChange
                : published.IsStandby(row.ApplicationName) || (row.SyncState == "sync" && lsn >= _flushAtChange);
            if (ready)
            {
                _ready[row.ApplicationName] = row.Pid;
            }
        }

        return _ready.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Postgres is not a primary: nothing counts as synchronous any more.</summary>
    public IReadOnlySet<string> Reset()
    {
        _ready.Clear();
        _seenNames = null;
        _parsed = SyncStandbyNames.Off;
        ParseError = null;
        return _ready.Keys.ToHashSet();
    }
}
