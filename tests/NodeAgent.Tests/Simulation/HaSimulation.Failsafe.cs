using System.Text.Json.Nodes;
using NodeAgent.Ha;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// POST /failsafe between simulated agents: the request reaches a member after a network delay and is answered by that
/// agent's real <see cref="NodeAgent.Commands.FailsafeReceiver"/> (a frozen agent answers when it thaws); the sender
/// counts what came back before its timeout. A node cut from its peers (a whole-node partition) neither sends nor receives.
/// </summary>
internal sealed partial class HaSimulation : IFailsafeClient
{
    public Task<IReadOnlyList<string>> SendAsync(IReadOnlyDictionary<string, string> members, FailsafeHeartbeat heartbeat, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var sender = _nodes.Find(n => n.Name == heartbeat.Name);
        if (members.Count == 0 || sender is null)
        {
            return Task.FromResult<IReadOnlyList<string>>(sender is null ? [.. members.Keys] : []);
        }

        var generation = sender.Generation;
        var refused = new List<string>();
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var done = new TaskCompletionSource<IReadOnlyList<string>>();
        void Answer(string name, bool accepted)
        {
            if (!answered.Add(name))
            {
                return;
            }

            if (!accepted)
            {
                refused.Add(name);
            }

            if (answered.Count == members.Count)
            {
                done.TrySetResult(refused);
            }
        }

        var body = new JsonObject { ["name"] = heartbeat.Name, ["conn_url"] = heartbeat.ConnUrl, ["api_url"] = heartbeat.ApiUrl, ["ttl"] = heartbeat.Ttl };
        foreach (var name in members.Keys.Order(StringComparer.Ordinal))
        {
            var there = Uniform(0.001, 0.05);
            var back = Uniform(0.001, 0.05);
            Scheduler.After(there, () =>
            {
                if (_nodes.Find(n => n.Name == name) is not { MachineUp: true, AgentUp: true } target
                    || Scheduler.Now < target.PeersCutUntil || Scheduler.Now < sender.PeersCutUntil)
                {
                    return;
                }

                var targetGeneration = target.Generation;
                Deliver(target, targetGeneration, () =>
                {
                    var accepted = target.FailsafeReceiver!.Accept((JsonObject)body.DeepClone()).StatusCode == 200;
                    Log($"{target.Name}: POST /failsafe from {heartbeat.Name}: {(accepted ? "accepted" : "refused")}");
                    Scheduler.After(back, () => Deliver(sender, generation, () => Answer(name, accepted)));
                });
            });
        }

        // The sender's HTTP timeout, on its own clock.
        Scheduler.After(sender.Clock.SharedSeconds(timeout.TotalSeconds), () => Deliver(sender, generation, () =>
        {
            foreach (var name in members.Keys.Order(StringComparer.Ordinal))
            {
                Answer(name, accepted: false);
            }
        }));
        return done.Task;
    }
}
