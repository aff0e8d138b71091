namespace NodeAgent.Tests.Simulation;

/// <summary>
/// The timers a schedule starts with (bootstrap.dcs); the config edit fault may change them during the run.
/// <see cref="Scale"/> stretches fault lengths so that they stay the same size relative to ttl.
/// </summary>
internal sealed record SimProfile(string Name, int Ttl, int LoopWait, int RetryTimeout)
{
    /// <summary>The seed's default timers.</summary>
    public static readonly SimProfile Seed = new("seed", 30, 10, 10);

    /// <summary>The fast profile operators run (failover within ~10 s).</summary>
    public static readonly SimProfile Fast = new("fast", 10, 2, 3);

    /// <summary>CI splits the seeds: even ones run the seed's timers, odd ones the fast profile.</summary>
    public static SimProfile ForSeed(int seed) => (seed & 1) == 0 ? Seed : Fast;

    public double Scale => Ttl / 30.0;
}
