using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>
/// The replication slots as the slot step last saw them, so that a steady leader does not read pg_replication_slots
/// every cycle (slots.py:load_replication_slots reads only when scheduled). Read again when the postmaster, the wanted
/// set or the dynamic config changed, after any failure, while a slot the step could not drop yet is left (it was
/// active), and at least every <see cref="RefreshEvery"/>: a slot made or dropped behind the agent's back is seen
/// within that time, where Patroni 3.0.2 waits for its next scheduled read.
/// </summary>
internal sealed class KnownSlots(TimeProvider time)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(30);

    private List<(string Name, string Type, bool Active)>? _slots;
    private (int? Pid, IReadOnlySet<string> Wanted, DynamicConfig Dynamic)? _seenWith;
    private long _readAt;

    /// <summary>The slots last seen, or null when they must be read again.</summary>
    public IReadOnlyList<(string Name, string Type, bool Active)>? Current(int? postmasterPid, IReadOnlySet<string> wanted, DynamicConfig dynamic) =>
        _slots is not null && _seenWith is { } seen && seen.Pid == postmasterPid && ReferenceEquals(seen.Dynamic, dynamic)
            && seen.Wanted.SetEquals(wanted) && time.GetElapsedTime(_readAt) < RefreshEvery
            ? _slots
            : null;

    public void Read(IReadOnlyList<(string Name, string Type, bool Active)> slots, int? postmasterPid, IReadOnlySet<string> wanted, DynamicConfig dynamic)
    {
        _slots = [.. slots];
        _seenWith = (postmasterPid, new HashSet<string>(wanted, StringComparer.Ordinal), dynamic);
        _readAt = time.GetTimestamp();
    }

    public void Dropped(string name) => _slots?.RemoveAll(s => s.Name == name);

    public void Created(string name) => _slots?.Add((name, "physical", false));

    public void Forget() => _slots = null;
}
