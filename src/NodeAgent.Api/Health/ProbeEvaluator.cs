using NodeAgent.Api.Status;

namespace NodeAgent.Api.Health;

/// <summary>Kubernetes-style probes (Patroni <c>do_GET_liveness</c>, <c>do_GET_readiness</c>), pure.</summary>
public static class ProbeEvaluator
{
    /// <param name="sinceNextRun">Monotonic time elapsed since the loop's planned next run (negative while it is still ahead).</param>
    public static int Liveness(StatusSnapshot s, TimeSpan sinceNextRun)
    {
        if (s.Paused)
        {
            return HealthEvaluator.Ok;
        }

        // A replica tolerates a slow loop longer; on the primary the lock expires after ttl anyway.
        var isPrimary = s.Role is "master" or "primary" && s.State == "running";
        var threshold = TimeSpan.FromSeconds(s.Ttl * (isPrimary ? 1 : 2));
        return sinceNextRun < threshold ? HealthEvaluator.Ok : HealthEvaluator.Unavailable;
    }

    public static int Readiness(StatusSnapshot s, TimeSpan lockAge)
    {
        if (HealthEvaluator.IsLeader(s, lockAge))
        {
            return HealthEvaluator.Ok;
        }

        return s.State == "running" && s.DcsAvailable ? HealthEvaluator.Ok : HealthEvaluator.Unavailable;
    }
}
