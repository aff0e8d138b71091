using System.Text.Json.Nodes;
using NodeAgent.Dcs;
using NodeAgent.Ha;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// POST /leader_release between simulated agents: the request reaches a member after a network delay and is answered by
/// that agent's real <see cref="NodeAgent.Commands.LeaderReleaseReceiver"/>, whose etcd call goes through its own
/// <see cref="SimDcs"/> (a member cut from etcd answers 503). The first member that deleted the key is the answer; the
/// sender gives up at its timeout. A node cut from its peers neither sends nor receives.
/// </summary>
internal sealed partial class HaSimulation : ILeaderReleaseClient
{
    public Task<string?> SendAsync(IReadOnlyDictionary<string, string> members, LeaderRelease release, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var sender = _nodes.Find(n => n.Name == release.Leader);
        if (members.Count == 0 || sender is null)
        {
            return Task.FromResult<string?>(null);
        }

        var generation = sender.Generation;
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var done = new TaskCompletionSource<string?>();
        void Answer(string name, bool released)
        {
            if (done.Task.IsCompleted)
            {
                return;
            }

            if (released)
            {
                done.TrySetResult(name);
            }
            else if (failed.Add(name) && failed.Count == members.Count)
            {
                done.TrySetResult(null);
            }
        }

        var body = new JsonObject { ["leader"] = release.Leader, ["mod_revision"] = release.ModRevision };
        foreach (var name in members.Keys.Order(StringComparer.Ordinal))
        {
            var there = Uniform(0.001, 0.05);
            var back = Uniform(0.001, 0.05);
            Scheduler.After(there, () =>
            {
                if (_nodes.Find(n => n.Name == name) is not { MachineUp: true, AgentUp: true, LeaderRelease: not null } target
                    || Scheduler.Now < target.PeersCutUntil || Scheduler.Now < sender.PeersCutUntil)
                {
                    return;
                }

                Deliver(target, target.Generation, () =>
                {
                    // The receiver's etcd call completes on the simulation thread, so its answer is scheduled from there.
                    target.LeaderRelease!.ReleaseAsync((JsonObject)body.DeepClone(), CancellationToken.None).ContinueWith(t =>
                    {
                        var released = t.IsCompletedSuccessfully && t.Result.StatusCode == 200;
                        Log($"{target.Name}: POST /leader_release from {release.Leader} at {release.ModRevision}: {(t.IsCompletedSuccessfully ? t.Result.StatusCode : 0)}");
                        Scheduler.After(back, () => Deliver(sender, generation, () => Answer(name, released)));
                    }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                });
            });
        }

        Scheduler.After(sender.Clock.SharedSeconds(timeout.TotalSeconds), () => Deliver(sender, generation, () =>
        {
            foreach (var name in members.Keys)
            {
                Answer(name, released: false);
            }
        }));
        return done.Task;
    }
}
