using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// Deterministic simulation of the HA core (issue "No split brain", item 5). Every schedule is a pure function of
/// its seed (even seeds run the seed's timers, odd ones the fast profile); a failure prints the seed and the event
/// trace. NODEAGENT_SIM_SCHEDULES / NODEAGENT_SIM_FIRST_SEED widen the search; NODEAGENT_SIM_SEED replays one seed
/// with its trace. Besides the fixed seeds, every run tries a fresh range drawn from the clock.
/// </summary>
public sealed class HaSimulationTests(ITestOutputHelper output)
{
    private const int CiSchedules = 100_000;
    private const int FreshSchedules = 2_000;

    [Fact]
    public void No_two_writable_primaries_ever_and_one_leader_after_faults_heal()
    {
        var count = EnvInt("NODEAGENT_SIM_SCHEDULES") ?? CiSchedules;
        var first = EnvInt("NODEAGENT_SIM_FIRST_SEED") ?? 0;
        // A new range each run, above the fixed one: over many CI runs the search keeps widening.
        var fresh = CiSchedules + (int)(DateTime.UtcNow.Ticks % (int.MaxValue - CiSchedules - FreshSchedules));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fresh seeds this run: {fresh}..{fresh + FreshSchedules - 1} (replay one with NODEAGENT_SIM_SEED=<seed>)"));
        var (failures, events, elapsed) = RunMany(first, count, new SimOptions(), stopWhen: _ => false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} schedules (seeds {first}..{first + count - 1}) in {elapsed.TotalSeconds:F1} s: {count / elapsed.TotalSeconds:F0} schedules/s, {events} events"));
        var (freshFailures, freshEvents, freshElapsed) = RunMany(fresh, FreshSchedules, new SimOptions(), stopWhen: _ => false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{FreshSchedules} fresh schedules (seeds {fresh}..{fresh + FreshSchedules - 1}) in {freshElapsed.TotalSeconds:F1} s, {freshEvents} events"));
        var seeds = failures.Concat(freshFailures).Select(f => f.Seed).Order().ToList();
        if (seeds.Count > 0)
        {
            var replay = HaSimulation.Run(seeds[0], trace: true);
            Assert.Fail($"{seeds.Count} failing schedules (fresh range {fresh}..{fresh + FreshSchedules - 1}), seeds {string.Join(",", seeds.Take(30))}; "
                + $"replay with NODEAGENT_SIM_SEED={seeds[0]}{Environment.NewLine}{replay}");
        }
    }

    [Fact]
    public void Lease_that_ignores_ttl_edits_like_before_5f4db2e_is_caught()
    {
        const int budget = 20_000;
        var mutated = new SimOptions { LeaseIgnoresTtlEdits = true };
        var (failures, _, elapsed) = RunMany(0, budget, mutated, stopWhen: f => IsSafetyFailure(f.Failure!));
        var caught = failures.Where(f => IsSafetyFailure(f.Failure!)).OrderBy(f => f.Seed).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{caught.Count} schedules caught it in {elapsed.TotalSeconds:F1} s; first seed {(caught.Count > 0 ? caught[0].Seed : -1)}"));
        Assert.NotEmpty(caught);

        // It replays from its seed, and the same schedule is safe with a lease that follows the ttl in force.
        var first = caught[0];
        var replay = HaSimulation.Run(first.Seed, mutated, trace: true);
        output.WriteLine(replay.ToString());
        Assert.Equal(first.Failure, replay.Failure);
        Assert.True(HaSimulation.Run(first.Seed).Ok);
    }

    [Fact]
    public void Unconditional_leader_put_like_patroni_3_0_2_is_caught_as_split_brain()
    {
        const int budget = 5_000;
        var mutated = new SimOptions { UnconditionalLeaderPut = true };
        var (failures, _, elapsed) = RunMany(0, budget, mutated, stopWhen: _ => false);
        var splits = failures.Where(f => IsSafetyFailure(f.Failure!)).OrderBy(f => f.Seed).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{splits.Count} of {budget} schedules found a split brain in {elapsed.TotalSeconds:F1} s; first seed {(splits.Count > 0 ? splits[0].Seed : -1)}"));
        Assert.NotEmpty(splits);

        // It replays from its seed, and the same schedule is safe with the real compare-and-renew.
        var first = splits[0];
        var replay = HaSimulation.Run(first.Seed, mutated, trace: true);
        output.WriteLine(replay.ToString());
        Assert.Equal(first.Failure, replay.Failure);
        Assert.True(HaSimulation.Run(first.Seed).Ok);
    }

    [Fact]
    public void Lock_handover_that_keeps_its_lease_is_caught_as_split_brain()
    {
        // The safety point of the handover: a release request delivered late (its receiver froze) deletes a key the old
        // leader renewed in the meantime, unless the old leader dropped its lease and keeps the lock only as a new version.
        // The schedule needs an etcd-only partition, a handover whose receiver froze and etcd back in between: rare. The
        // first seed that catches it is 3581 as the simulation stands; the range around it keeps the test short. A change
        // to the simulation may move it: search from 0 with NODEAGENT_SIM_* and move the range.
        const int first = 3_000;
        const int budget = 1_000;
        var mutated = new SimOptions { HandoverKeepsLease = true };
        var (failures, _, elapsed) = RunMany(first, budget, mutated, stopWhen: f => IsSafetyFailure(f.Failure!));
        var caught = failures.Where(f => IsSafetyFailure(f.Failure!)).OrderBy(f => f.Seed).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{caught.Count} schedules caught it in {elapsed.TotalSeconds:F1} s; first seed {(caught.Count > 0 ? caught[0].Seed : -1)}"));
        Assert.NotEmpty(caught);

        var seed = caught[0];
        var replay = HaSimulation.Run(seed.Seed, mutated, trace: true);
        output.WriteLine(replay.ToString());
        Assert.Equal(seed.Failure, replay.Failure);
        Assert.Contains(replay.Trace, line => line.Contains("POST /leader_release", StringComparison.Ordinal));
        Assert.True(HaSimulation.Run(seed.Seed).Ok);
    }

    [Fact]
    public void A_seed_replays_to_the_same_trace()
    {
        var seed = EnvInt("NODEAGENT_SIM_SEED") ?? 4242;
        var a = HaSimulation.Run(seed, trace: true);
        var b = HaSimulation.Run(seed, trace: true);
        output.WriteLine(a.ToString());
        Assert.True(a.Trace.Count > 50, "the trace records the run");
        Assert.Equal(a.Trace, b.Trace);
        Assert.Equal(a.Events, b.Events);
    }

    /// <summary>Seeds first..first+count-1 on one plain thread per core (see <see cref="HaSimulation.RunOnCurrentThread"/>).</summary>
    private static (ConcurrentBag<SimResult> Failures, long Events, TimeSpan Elapsed) RunMany(int first, int count, SimOptions options, Func<SimResult, bool> stopWhen)
    {
        var failures = new ConcurrentBag<SimResult>();
        long events = 0;
        var next = first - 1;
        var stop = false;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            int seed;
            while (!Volatile.Read(ref stop) && (seed = Interlocked.Increment(ref next)) < first + count)
            {
                var result = HaSimulation.RunOnCurrentThread(seed, options);
                Interlocked.Add(ref events, result.Events);
                if (!result.Ok)
                {
                    failures.Add(result);
                    if (stopWhen(result))
                    {
                        Volatile.Write(ref stop, true);
                    }
                }
            }
        }, 16 * 1024 * 1024)).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return (failures, events, watch.Elapsed);
    }

    private static bool IsSafetyFailure(string failure) =>
        failure.StartsWith("SPLIT BRAIN", StringComparison.Ordinal) || failure.StartsWith("LEASE VIOLATION", StringComparison.Ordinal);

    private static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
