using NodeAgent.Ha.Sync;

namespace NodeAgent.Tests.Ha.Sync;

/// <summary>
/// quorum.py:QuorumStateResolver, the cases of Patroni's tests/test_quorum.py as tables. Member names are single letters:
/// "bcd" is the set {b, c, d}. Every case is also run from each intermediate state its own steps reach (an interrupted
/// change must resume to the same end), and, where nodes join, from those states with any subset of the named
/// standbys streaming and any number confirmed: the resolver must never find a state it cannot get out of.
/// </summary>
public sealed class QuorumStateResolverTests
{
    /// <summary>The resolver's input: the key (leader, quorum, voters) and postgres (numsync, sync, confirmed, active).</summary>
    public sealed record State(string Leader, int Quorum, string Voters, int Numsync, string Sync, int Confirmed, string Active, int Wanted, string LeaderWanted)
    {
        public State Apply(Step step) => step.Kind == QuorumTransitionKind.Sync
            ? this with { Numsync = step.Num, Sync = step.Names }
            : this with { Quorum = step.Num, Voters = step.Names };

        public QuorumStateResolver Resolver() =>
            new(Leader, Quorum, Letters(Voters), Numsync, Letters(Sync), Confirmed, Letters(Active), Wanted, LeaderWanted);

        public override string ToString() =>
            $"leader={Leader} quorum={Quorum} voters={Voters} numsync={Numsync} sync={Sync} confirmed={Confirmed} active={Active} wanted={Wanted} leader_wanted={LeaderWanted}";
    }

    public sealed record Step(QuorumTransitionKind Kind, string Leader, int Num, string Names)
    {
        public override string ToString() => $"({Kind} {Leader} {Num} {Names})";
    }

    public sealed record Case(string Name, State Given, Step[] Expected)
    {
        public override string ToString() => Name;
    }

    private static State S(string leader, int quorum, string voters, int numsync, string sync, int confirmed, string active, int wanted, string? leaderWanted = null) =>
        new(leader, quorum, voters, numsync, sync, confirmed, active, wanted, leaderWanted ?? leader);

    private static Step Q(int num, string names, string leader = "a") => new(QuorumTransitionKind.Quorum, leader, num, names);

    private static Step Y(int num, string names, string leader = "a") => new(QuorumTransitionKind.Sync, leader, num, names);

    private static Step R(string leader = "a") => new(QuorumTransitionKind.Restart, leader, 0, "");

    public static TheoryData<Case> Cases() =>
    [
        // test_1111: nodes join a primary that syncs to nobody.
        new("one node joins", S("a", 0, "", 0, "", 0, "b", 2), [Y(1, "b"), R()]),
        new("the joined node caught up", S("a", 0, "", 1, "b", 1, "b", 2), [Q(0, "b")]),
        new("four nodes join at once", S("a", 0, "", 0, "", 0, "bcde", 2), [Y(2, "bcde"), R()]),
        new("one of four caught up", S("a", 0, "", 2, "bcde", 1, "bcde", 2), [Q(3, "bcde")]),

        // test_1222: a two-node cluster grows.
        new("steady two nodes", S("a", 0, "b", 1, "b", 1, "b", 2), []),
        new("add a node by raising the quorum", S("a", 0, "b", 1, "b", 1, "BC", 1), [Q(1, "bC"), Y(1, "bC")]),
        new("add a node by raising sync", S("a", 0, "b", 1, "b", 1, "bc", 2), [Y(2, "bc"), Q(1, "bc")]),
        new("lower the quorum once the new node caught up", S("a", 1, "bc", 2, "bc", 2, "bc", 2), [Q(0, "bc")]),
        new("add three nodes raising sync and quorum", S("a", 0, "b", 1, "b", 1, "BCdE", 2), [Y(2, "bC"), Q(3, "bCdE"), Y(2, "bCdE")]),
        new("lower the quorum once they caught up", S("a", 3, "bcde", 2, "bcde", 3, "bcde", 2), [Q(2, "bcde")]),
        new("the primary is alone", S("a", 0, "b", 1, "b", 0, "", 1), [Q(0, ""), Y(0, "")]),
        new("swap the synchronous replica", S("a", 0, "b", 1, "b", 0, "c", 1), [Q(0, ""), Y(1, "c"), R()]),
        new("the swapped-in node caught up", S("a", 0, "", 1, "c", 1, "c", 1), [Q(0, "c")]),

        // test_1233: interrupted change from two nodes to three fully synchronous.
        new("node c left, back to two nodes", S("a", 0, "b", 2, "bc", 1, "b", 2), [Y(1, "b")]),
        new("node c is back but not caught up", S("a", 0, "b", 2, "bc", 1, "bc", 2), [Q(1, "bc")]),
        new("node d joins while c has not caught up", S("a", 0, "b", 2, "bc", 1, "bcd", 2), [Q(2, "bcd"), Y(2, "bcd")]),
        new("all caught up, lower the quorum", S("a", 2, "bcd", 2, "bcd", 3, "bcd", 2), [Q(1, "bcd")]),
        new("replication factor lowered meanwhile", S("a", 0, "b", 2, "bc", 1, "bc", 1), [Q(1, "bc"), Y(1, "bc")]),

        // test_2322: interrupted change from two to three nodes with replication factor 2.
        new("voter c left", S("a", 1, "bc", 1, "b", 1, "b", 1), [Q(0, "b")]),
        new("voter c streams, sync to it", S("a", 1, "bc", 1, "b", 1, "bc", 1), [Y(1, "bc")]),
        new("voter c streams and d joins", S("a", 1, "bc", 1, "b", 1, "bcd", 1), [Y(1, "bc"), Q(2, "bcd"), Y(1, "bcd")]),
        new("to a fully synchronous cluster", S("a", 1, "bc", 1, "b", 1, "bc", 2), [Y(2, "bc")]),
        new("fully synchronous, lower the quorum", S("a", 1, "bc", 2, "bc", 2, "bc", 2), [Q(0, "bc")]),

        // test_3535.
        new("remove two nodes", S("a", 2, "bcde", 2, "bcde", 2, "bc", 2), [Y(2, "bc"), Q(0, "bc")]),
        new("remove one node", S("a", 2, "bcde", 2, "bcde", 3, "bcd", 2), [Y(2, "bcd"), Q(1, "bcd")]),
        new("remove two nodes and lower sync", S("a", 2, "bcde", 2, "bcde", 2, "bc", 1), [Y(2, "bc"), Q(1, "bc"), Y(1, "bc")]),
        new("remove two nodes from sync 3 to 1", S("a", 1, "bcde", 3, "bcde", 2, "bc", 1), [Y(3, "bcd"), Q(1, "bc"), Y(1, "bc")]),
        new("raise the replication factor", S("a", 2, "bcde", 2, "bcde", 2, "bcde", 3), [Y(3, "bcde")]),
        new("lower the quorum once more caught up", S("a", 2, "bcde", 3, "bcde", 3, "bcde", 3), [Q(1, "bcde")]),
        new("add a node while lowering sync", S("a", 2, "bcde", 2, "bcde", 2, "bcdef", 1), [Q(4, "bcdef"), Y(1, "bcdef")]),
        new("remove a node while raising sync", S("a", 2, "bcde", 2, "bcde", 2, "bcd", 3), [Y(3, "bcd"), Q(1, "bcd")]),

        // test_remove_nosync_node, test_swap_sync_node.
        new("remove a node that stopped being eligible", S("a", 0, "bc", 2, "bc", 1, "b", 2), [Q(0, "b"), Y(1, "b")]),
        new("swap a synchronous node", S("a", 0, "bc", 2, "bc", 1, "bd", 2), [Q(0, "b"), Y(2, "bd"), Q(1, "bd")]),

        // test_promotion: a failed, c won the race with the quorum's votes.
        new("promoted c: the old leader becomes a voter", S("a", 2, "bcd", 0, "", 0, "", 1, "c"), [Y(1, "abd"), Q(2, "abd", "c")]),
        new("promoted c: b reconnected", S("c", 2, "abd", 1, "abd", 0, "b", 1), [Y(1, "b", "c"), Q(0, "b", "c")]),
        new("promoted c: nobody reconnected", S("c", 2, "abd", 1, "abd", 0, "", 1), [Q(0, "", "c"), Y(0, "", "c")]),

        // test_nonsync_promotion: d, not a voter, saw b and c and promoted.
        new("promoted non-voter d", S("a", 1, "bc", 0, "", 0, "", 1, "d"), [Y(2, "abc"), Q(1, "abc", "d")]),
        new("promoted non-voter d: b and c reconnected", S("d", 1, "abc", 2, "abc", 0, "bc", 1), [Y(2, "bc", "d"), Q(1, "bc", "d"), Y(1, "bc", "d")]),
        new("promoted non-voter d: nobody reconnected", S("d", 1, "abc", 2, "abc", 0, "", 1), [Q(0, "", "d"), Y(0, "", "d")]),

        // test_sync_high_quorum_low_safety_margin_high.
        new("sync higher than wanted", S("a", 2, "bcdef", 4, "bcdef", 3, "bcdef", 2), [Q(3, "bcdef"), Y(2, "bcdef")]),

        // test_remove_nodes_with_decreasing_sync.
        new("remove nodes lowering sync", S("a", 1, "bcdef", 4, "bcdef", 2, "bcd", 2), [Y(4, "bcde"), Q(1, "bcd"), Y(2, "bcd")]),
        new("interrupted, and g joined", S("a", 1, "bcdef", 4, "bcde", 2, "bcdg", 2), [Q(1, "bcd"), Y(3, "bcd"), Q(2, "bcdg"), Y(2, "bcdg")]),
        new("interrupted, and f came back", S("a", 1, "bcdef", 4, "bcde", 2, "bcdf", 2), [Y(4, "bcdf"), Q(2, "bcdf"), Y(2, "bcdf")]),
        new("interrupted, and e came back", S("a", 1, "bcdef", 4, "bcde", 2, "bcde", 2), [Q(2, "bcde"), Y(2, "bcde")]),
        new("interrupted, and b is lost too", S("a", 1, "bcdef", 4, "bcde", 2, "cd", 1), [Q(1, "cd"), Y(1, "cd")]),

        // test_empty_ssn: a failed with synchronous_standby_names empty, c won the race.
        new("promoted c with empty synchronous_standby_names", S("a", 1, "bc", 1, "", 0, "", 1, "c"), [Y(1, "ab"), Q(1, "ab", "c")]),
        new("promoted c: b reconnected after empty ssn", S("c", 1, "ab", 1, "ab", 0, "b", 1), [Y(1, "b", "c"), Q(0, "b", "c")]),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resolves_in_safe_order(Case c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var failures = new List<string>();
        Check(c.Given, c.Expected, failures, nested: false);
        Assert.Empty(failures);
    }

    /// <summary>tests/test_quorum.py:check_state_transitions.</summary>
    private static void Check(State given, Step[] expected, List<string> failures, bool nested)
    {
        var state = given;
        var result = state.Resolver().Resolve().Select(ToStep).ToList();
        Assert.True(Same(result, expected), $"{state}: expected {string.Join(" ", expected.AsEnumerable())}, got {string.Join(" ", result)}");

        // Interrupted after the first step: the rest must follow from the state it reached.
        if (result.Count > 0 && result[0].Kind != QuorumTransitionKind.Restart && state.Leader == result[0].Leader)
        {
            state = state.Apply(result[0]);
            Check(state, expected[1..], failures, nested: true);
        }

        if (nested || !IsProperSuperset(given.Active, given.Sync))
        {
            return;
        }

        var end = given;
        foreach (var e in expected)
        {
            if (e.Kind == QuorumTransitionKind.Restart || e.Leader != end.Leader)
            {
                return;
            }

            end = end.Apply(e);
        }

        // Only the non-steady ends, where the quorum is higher than numsync needs.
        if (end.Quorum + end.Numsync - Letters(end.Voters).Union(Letters(end.Sync), StringComparer.OrdinalIgnoreCase).Count() == 0)
        {
            return;
        }

        var probe = state;
        foreach (var e in expected)
        {
            probe = probe.Apply(e);
            foreach (var active in Subsets(given.Sync))
            {
                for (var confirmed = 0; confirmed <= active.Length; confirmed++)
                {
                    var variant = probe with { Active = active, Confirmed = confirmed };
                    Try(variant, failures);
                    if (variant.Voters.Length > 0)
                    {
                        Try(variant with { Voters = "", Quorum = 0 }, failures);
                    }
                }
            }
        }
    }

    private static void Try(State state, List<string> failures)
    {
        try
        {
            _ = state.Resolver().Resolve();
        }
        catch (QuorumException e)
        {
            failures.Add($"{state}: {e.Message}");
        }
    }

    [Fact]
    public void A_state_where_quorum_and_sync_need_not_overlap_is_repaired_by_raising_the_quorum()
    {
        var resolver = S("a", 0, "bc", 1, "bc", 1, "bc", 1).Resolver();

        Assert.Throws<QuorumException>(resolver.CheckInvariants);
        Assert.True(Same(resolver.Resolve().Select(ToStep).ToList(), [Q(1, "bc")]));
    }

    [Fact]
    public void Mismatched_sets_from_someone_else_are_repaired_from_synchronous_standby_names()
    {
        var resolver = S("a", 1, "bc", 2, "bd", 1, "bd", 1).Resolver();

        Assert.Throws<QuorumException>(resolver.CheckInvariants);
        Assert.True(Same(resolver.Resolve().Select(ToStep).ToList(), [Q(1, "bd"), Y(1, "bd")]));
    }

    [Theory]
    [InlineData(-1, "")]
    [InlineData(1, "")]
    [InlineData(2, "bc")]
    public void A_quorum_below_zero_or_not_below_the_voters_is_refused(int quorum, string voters)
    {
        var resolver = S("a", 1, "bc", 1, "bc", 1, "bc", 1).Resolver();

        Assert.Throws<QuorumException>(() => resolver.QuorumUpdate(quorum, [.. Letters(voters)]));
    }

    [Theory]
    [InlineData(-1, "")]
    [InlineData(1, "")]
    [InlineData(3, "bc")]
    public void A_numsync_below_zero_or_above_the_names_is_refused(int numsync, string sync)
    {
        var resolver = S("a", 1, "bc", 1, "bc", 1, "bc", 1).Resolver();

        Assert.Throws<QuorumException>(() => resolver.SyncUpdate(numsync, [.. Letters(sync)]));
    }

    [Fact]
    public void Names_compare_case_insensitively_as_postgres_matches_application_name()
    {
        // The key says B, postgres runs b: one member, nothing to change.
        var steps = S("a", 0, "B", 1, "b", 1, "b", 1).Resolver().Resolve();

        Assert.Empty(steps);
    }

    private static Step ToStep(QuorumTransition t) =>
        new(t.Kind, t.Leader, t.Kind == QuorumTransitionKind.Restart ? 0 : t.Num, t.Kind == QuorumTransitionKind.Restart ? "" : string.Concat(t.Names.Order(StringComparer.OrdinalIgnoreCase)));

    private static bool Same(List<Step> actual, Step[] expected) =>
        actual.Count == expected.Length && actual.Zip(expected).All(p =>
            p.First.Kind == p.Second.Kind && p.First.Leader == p.Second.Leader
            && (p.First.Kind == QuorumTransitionKind.Restart || (p.First.Num == p.Second.Num && Letters(p.First.Names).ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(Letters(p.Second.Names)))));

    private static bool IsProperSuperset(string a, string b) => Letters(a).ToHashSet(StringComparer.OrdinalIgnoreCase).IsProperSupersetOf(Letters(b));

    private static string[] Letters(string names) => [.. names.Select(c => c.ToString())];

    private static IEnumerable<string> Subsets(string names)
    {
        var letters = names.Distinct().ToArray();
        for (var mask = 0; mask < 1 << letters.Length; mask++)
        {
            yield return string.Concat(letters.Where((_, i) => (mask & (1 << i)) != 0));
        }
    }
}
