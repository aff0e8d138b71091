using System.Diagnostics;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// One fault as it happened: what proved that it took effect (printed in the verdict line) and how to heal it.
/// The heal is registered as soon as the fault is applied, so a fault whose proof fails is healed all the same.
/// </summary>
internal sealed class FaultRecord
{
    private readonly List<string> _proofs = [];
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Func<Task>? _heal;

    /// <summary>Time since the fault began.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>
    /// When the leader was cut from its replicas (Unix ms), for a fault that does so later than its start; the crash
    /// window counts back from here. Null: from the fault's start.
    /// </summary>
    public long? LeaderCutMs { get; private set; }

    /// <summary>Call right before the step that cuts the leader off (its link down).</summary>
    public void LeaderCutNow() => LeaderCutMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _proofs.Count == 0 ? "(no proof recorded)" : string.Join("; ", _proofs);
            }
        }
    }

    public void Proved(string what)
    {
        lock (_gate)
        {
            _proofs.Add(what);
        }
    }

    public void HealWith(Func<Task> heal) => _heal = heal;

    /// <summary>The deliberate fault hold: until <paramref name="hold"/> after the fault's start (not a synchronisation).</summary>
    public Task HoldAsync(TimeSpan hold) => hold > Elapsed ? Task.Delay(hold - Elapsed) : Task.CompletedTask;

    /// <summary>Runs the registered heal once; false if none was registered (the fault was never applied).</summary>
    public async Task<bool> HealAsync()
    {
        var heal = Interlocked.Exchange(ref _heal, null);
        if (heal is null)
        {
            return false;
        }
        await heal();
        return true;
    }
}
