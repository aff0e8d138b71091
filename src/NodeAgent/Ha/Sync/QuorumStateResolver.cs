namespace NodeAgent.Ha.Sync;

/// <summary>What a <see cref="QuorumTransition"/> changes.</summary>
public enum QuorumTransitionKind
{
    /// <summary>synchronous_standby_names becomes <c>ANY Num (Names)</c>.</summary>
    Sync,

    /// <summary>The <c>sync</c> key becomes {leader: Leader, quorum: Num, sync_standby: Names}.</summary>
    Quorum,

    /// <summary>Stop here and look again: a standby just named has to become synchronous first.</summary>
    Restart,
}

/// <summary>One step of <see cref="QuorumStateResolver"/>: the new state of synchronous_standby_names or of the key.</summary>
public sealed record QuorumTransition(QuorumTransitionKind Kind, string Leader, int Num, IReadOnlySet<string> Names);

/// <summary>The synchronous state is broken (the invariant does not hold, or a step would break it).</summary>
public sealed class QuorumException(string message) : Exception(message);

/// <summary>
/// quorum.py:QuorumStateResolver. The primary waits for <c>numsync</c> of <c>sync</c> (synchronous_standby_names =
/// <c>ANY numsync (sync)</c>); a member racing for the lock must see <c>quorum</c> of <c>voters</c> plus the old leader
/// (the <c>sync</c> key). Zero loss needs every set that can acknowledge a commit to overlap every set that can elect
/// a leader: <c>|voters ∪ sync ∪ {leader}| ≤ quorum + numsync + 1</c>. So an increase of numsync or quorum happens
/// first and a decrease last; the steady state is <c>sync = voters = active</c>,
/// <c>numsync = min(sync_wanted, |active|)</c>, <c>quorum = |active| − numsync</c>. Pure: state in, ordered steps out.
/// </summary>
public sealed class QuorumStateResolver
{
    private static readonly StringComparer Names = StringComparer.OrdinalIgnoreCase;

    private readonly List<QuorumTransition> _out = [];
    private readonly HashSet<string> _active;
    private readonly int _syncWanted;
    private readonly string _leaderWanted;
    private string _leader;
    private int _quorum;
    private HashSet<string> _voters;
    private int _numsync;
    private HashSet<string> _sync;
    private int _numsyncConfirmed;

    /// <param name="leader">The leader the <c>sync</c> key names.</param>
    /// <param name="quorum">The key's <c>quorum</c>.</param>
    /// <param name="voters">The key's <c>sync_standby</c>.</param>
    /// <param name="numsync">N of synchronous_standby_names.</param>
    /// <param name="sync">The names in synchronous_standby_names.</param>
    /// <param name="numsyncConfirmed">How many of them reached the primary's flush position after being named.</param>
    /// <param name="active">Streaming members that may be synchronous.</param>
    /// <param name="syncWanted">synchronous_node_count.</param>
    /// <param name="leaderWanted">This primary (differs from <paramref name="leader"/> right after a failover).</param>
    public QuorumStateResolver(string leader, int quorum, IEnumerable<string> voters, int numsync, IEnumerable<string> sync,
        int numsyncConfirmed, IEnumerable<string> active, int syncWanted, string leaderWanted)
    {
        _leader = leader;
        _quorum = quorum;
        _voters = Set(voters);
        _sync = Set(sync);
        _numsync = Math.Min(numsync, _sync.Count);
        _numsyncConfirmed = numsyncConfirmed;
        _active = Set(active);
        _syncWanted = syncWanted;
        _leaderWanted = leaderWanted;
    }

    /// <summary>
    /// quorum.py:QuorumStateResolver.__iter__: the steps in order; two steps of the same kind in a row merge into the
    /// later one (nobody observed the first), and nothing follows a <see cref="QuorumTransitionKind.Restart"/>.
    /// </summary>
    public IReadOnlyList<QuorumTransition> Resolve()
    {
        _out.Clear();
        Generate();
        var result = new List<QuorumTransition>();
        for (var i = 0; i < _out.Count; i++)
        {
            if (i + 1 < _out.Count && _out[i].Kind == _out[i + 1].Kind)
            {
                continue;
            }

            result.Add(_out[i]);
            if (_out[i].Kind == QuorumTransitionKind.Restart)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>quorum.py:check_invariants: the acknowledging and electing sets overlap, and one set contains the other.</summary>
    public void CheckInvariants()
    {
        var voters = Union(_voters, [_leader]);
        var sync = Union(_sync, [_leaderWanted]);
        var all = Union(voters, sync);
        // + 1: the leader is in both sets.
        if (_voters.Count > 0 && all.Count > _quorum + _numsync + 1)
        {
            throw new QuorumException($"Quorum and sync not guaranteed to overlap: nodes {all.Count} >= quorum {_quorum} + sync {_numsync} + 1");
        }

        // Mid-change one of the two is updated before the other, so one may be a subset of the other, no more.
        if (!voters.IsSubsetOf(sync) && !sync.IsSubsetOf(voters))
        {
            throw new QuorumException($"Mismatched sets: voter only={Show(Minus(voters, sync))} sync only={Show(Minus(sync, voters))}");
        }
    }

    private void Generate()
    {
        try
        {
            if (_leaderWanted != _leader)
            {
                // A failover: the old leader becomes a voter; with synchronous_standby_names empty it is set first.
                var voters = Union(Minus(_voters, [_leaderWanted]), [_leader]);
                if (_sync.Count == 0)
                {
                    SyncUpdate(voters.Count - _quorum, voters);
                }

                QuorumUpdate(_quorum, voters, _leaderWanted);
                // Right after a promotion nobody may be connected yet: give them a loop_wait before removing them.
                if (!_sync.Overlaps(_active))
                {
                    return;
                }
            }
            else
            {
                CheckInvariants();
            }
        }
        catch (QuorumException)
        {
            QuorumUpdate(_sync.Count - _numsync, _sync);
        }

        Assert(_leader == _leaderWanted, "the leader is the wanted one");

        // After a restart or failover nothing is confirmed yet: the key's quorum says how many must have been.
        if (_numsyncConfirmed == 0 && _sync.Overlaps(_active))
        {
            _numsyncConfirmed = Math.Min(Intersect(_sync, _active).Count, _voters.Count - _quorum);
        }

        HandleNonSteadyCases();
        RemoveGoneNodes();
        AddNewNodes();
        HandleReplicationFactorChange();
    }

    /// <summary>quorum.py:__handle_non_steady_cases: finish a change an earlier cycle left half done.</summary>
    private void HandleNonSteadyCases()
    {
        if (_sync.IsProperSubsetOf(_voters))
        {
            // Case 1: in the middle of changing voters. Drop dead voters that are not synced to; sync to live ones.
            var removeFromVoters = Minus(_voters, Union(_sync, _active));
            if (removeFromVoters.Count > 0)
            {
                QuorumUpdate(_voters.Count - removeFromVoters.Count - _numsync, Minus(_voters, removeFromVoters), adjustQuorum: Minus(_sync, _active).Count == 0);
            }

            var addToSync = Minus(Intersect(_voters, _active), _sync);
            if (addToSync.Count > 0)
            {
                SyncUpdate(_numsync, Union(_sync, addToSync));
            }
        }
        else if (_sync.IsProperSupersetOf(_voters))
        {
            // Case 2: in the middle of changing the replication factor.
            var removeFromSync = Minus(_sync, _active);
            var sync = Minus(_sync, removeFromSync);
            // Remove dead ones only if something stays, and something the voters share.
            if (removeFromSync.Count > 0 && sync.Count > 0 && (_voters.Count == 0 || sync.Overlaps(_voters)))
            {
                SyncUpdate(Math.Min(_numsync, _sync.Count - removeFromSync.Count), sync);
            }

            var addToVoters = Intersect(Minus(_sync, _voters), _active);
            if (addToVoters.Count > 0)
            {
                var voters = Union(_voters, addToVoters);
                QuorumUpdate(voters.Count - _numsync, voters);
            }

            removeFromSync = Minus(_sync, _voters);
            if (removeFromSync.Count > 0)
            {
                SyncUpdate(Math.Min(_numsync, _sync.Count - removeFromSync.Count), Minus(_sync, removeFromSync));
            }
        }

        Assert(_voters.SetEquals(_sync), "voters and sync match");

        var margin = _quorum + Math.Min(_numsync, _numsyncConfirmed) - Union(_voters, _sync).Count;
        if (margin > 0)
        {
            if (_numsync > _syncWanted)
            {
                // Case 3: the replication factor is higher than needed.
                SyncUpdate(Math.Max(_syncWanted, _voters.Count - _quorum), _sync);
            }
            else
            {
                // Case 4: the quorum is higher than needed.
                QuorumUpdate(_sync.Count - _numsync, _voters);
            }
        }
        else
        {
            margin = _quorum + _numsync - Union(_voters, _sync).Count;
            if (_numsync == _syncWanted && margin > 0 && _numsync > _numsyncConfirmed)
            {
                QuorumUpdate(_sync.Count - _numsync, _voters);
            }
        }
    }

    /// <summary>quorum.py:__remove_gone_nodes: members no longer streaming leave synchronous_standby_names and the key.</summary>
    private void RemoveGoneNodes()
    {
        var toRemove = Minus(_sync, _active);
        if (toRemove.Count > 0 && _sync.SetEquals(toRemove))
        {
            QuorumUpdate(0, [], adjustQuorum: false);
            SyncUpdate(0, []);
            return;
        }

        if (toRemove.Count == 0)
        {
            return;
        }

        if (_quorum > 0)
        {
            // Lower the quorum first where it allows; names in reverse order keep the result deterministic.
            var remove = Set(toRemove.Order(StringComparer.Ordinal).Reverse().Take(_quorum));
            var sync = Minus(_sync, remove);
            var numsync = Math.Min(_syncWanted > _numsync ? _syncWanted : _numsync, sync.Count);
            SyncUpdate(numsync, sync);
            var voters = Minus(_voters, remove);
            toRemove.IntersectWith(_sync);
            QuorumUpdate(voters.Count - _numsync, voters, adjustQuorum: toRemove.Count == 0);
        }

        if (toRemove.Count > 0)
        {
            Assert(_quorum == 0, "quorum is 0");
            var numsync = _numsync - toRemove.Count;
            var sync = Minus(_sync, toRemove);
            var voters = Minus(_voters, toRemove);
            var syncDecrease = numsync - Math.Min(_syncWanted, sync.Count);
            var quorum = syncDecrease != 0 ? Math.Min(syncDecrease, voters.Count - 1) : 0;
            QuorumUpdate(quorum, voters, adjustQuorum: false);
            SyncUpdate(numsync, sync);
        }
    }

    /// <summary>quorum.py:__add_new_nodes: streaming members not yet named join, up to the replication factor first.</summary>
    private void AddNewNodes()
    {
        var toAdd = Minus(_active, _sync);
        if (toAdd.Count == 0)
        {
            return;
        }

        var syncWanted = Math.Min(_syncWanted, Union(_sync, toAdd).Count);
        var increaseBy = syncWanted - _numsync;
        if (increaseBy > 0)
        {
            HashSet<string> add;
            if (_sync.Count > 0)
            {
                add = Set(toAdd.Order(StringComparer.Ordinal).Take(increaseBy));
                increaseBy = add.Count;
            }
            else
            {
                // Only the leader so far: all of them can be named at once.
                add = Set(toAdd);
            }

            SyncUpdate(_numsync + increaseBy, Union(_sync, add));
            var voters = Union(_voters, add);
            QuorumUpdate(voters.Count - syncWanted, voters);
            toAdd.ExceptWith(_sync);
        }

        if (toAdd.Count > 0)
        {
            var voters = Union(_voters, toAdd);
            QuorumUpdate(voters.Count - syncWanted, voters, adjustQuorum: syncWanted > _numsyncConfirmed);
            SyncUpdate(syncWanted, Union(_sync, toAdd));
        }
    }

    /// <summary>quorum.py:__handle_replication_factor_change: synchronous_node_count changed.</summary>
    private void HandleReplicationFactorChange()
    {
        var increase = Math.Min(_syncWanted, _sync.Count) - _numsync;
        if (increase > 0)
        {
            SyncUpdate(_numsync + increase, _sync);
            QuorumUpdate(_voters.Count - _numsync, _voters);
        }
        else if (increase < 0)
        {
            if (_quorum - increase < _voters.Count)
            {
                QuorumUpdate(_voters.Count - _numsync - increase, _voters, adjustQuorum: _syncWanted > _numsyncConfirmed);
            }

            SyncUpdate(_numsync + increase, _sync);
        }
    }

    /// <summary>
    /// quorum.py:quorum_update. With <paramref name="adjustQuorum"/> the quorum grows by the named standbys not yet
    /// confirmed, so the race still finds one that has every acknowledged commit.
    /// </summary>
    internal void QuorumUpdate(int quorum, HashSet<string> voters, string? leader = null, bool adjustQuorum = true)
    {
        if (quorum < 0)
        {
            throw new QuorumException($"Quorum {quorum} < 0 of ({Show(voters)})");
        }

        if (quorum > 0 && quorum >= voters.Count)
        {
            throw new QuorumException($"Quorum {quorum} >= N of ({Show(voters)})");
        }

        var oldLeader = _leader;
        if (leader is not null)
        {
            _leader = leader;
        }
        else if (_numsyncConfirmed == 0 && _voters.Count == 0)
        {
            // Nobody is known to have caught up: the key names no voters.
            quorum = 0;
            voters = [];
        }
        else if (adjustQuorum)
        {
            quorum += Math.Max(_numsync - _numsyncConfirmed, 0);
        }

        if (_leader == oldLeader && quorum == _quorum && voters.SetEquals(_voters))
        {
            if (_voters.Count > 0)
            {
                return;
            }

            // Nothing changes: the caller should look at postgres again and start over.
            _out.Add(new QuorumTransition(QuorumTransitionKind.Restart, _leader, _quorum, Set(_voters)));
        }

        _quorum = quorum;
        _voters = Set(voters);
        CheckInvariants();
        _out.Add(new QuorumTransition(QuorumTransitionKind.Quorum, _leader, _quorum, Set(_voters)));
    }

    /// <summary>quorum.py:sync_update.</summary>
    internal void SyncUpdate(int numsync, HashSet<string> sync)
    {
        if (numsync < 0)
        {
            throw new QuorumException($"Sync {numsync} < 0 of ({Show(sync)})");
        }

        if (numsync > sync.Count)
        {
            throw new QuorumException($"Sync {numsync} > N of ({Show(sync)})");
        }

        _numsync = numsync;
        _sync = Set(sync);
        CheckInvariants();
        _out.Add(new QuorumTransition(QuorumTransitionKind.Sync, _leader, _numsync, Set(_sync)));
    }

    private static void Assert(bool condition, string what)
    {
        if (!condition)
        {
            throw new QuorumException($"quorum state resolver: expected {what}");
        }
    }

    private static HashSet<string> Set(IEnumerable<string> names) => new(names, Names);

    private static HashSet<string> Union(IEnumerable<string> a, IEnumerable<string> b) => Set(a.Concat(b));

    private static HashSet<string> Minus(IEnumerable<string> a, IEnumerable<string> b)
    {
        var result = Set(a);
        result.ExceptWith(b);
        return result;
    }

    private static HashSet<string> Intersect(IEnumerable<string> a, IEnumerable<string> b)
    {
        var result = Set(a);
        result.IntersectWith(b);
        return result;
    }

    private static string Show(IEnumerable<string> names) => string.Join(", ", names.Order(StringComparer.Ordinal));
}
