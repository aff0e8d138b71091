using System.Globalization;
using System.Runtime.CompilerServices;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// Discrete-event scheduler over one <see cref="FakeTimeProvider"/>: events run in (time, insertion) order on the
/// calling thread and the clock jumps to each event's time. Nothing else moves the clock, so a run is a pure
/// function of its seed. Awaiting code resumes inline when an event completes its task (no thread pool).
/// </summary>
internal sealed class SimScheduler(FakeTimeProvider clock, bool tracing)
{
    private readonly PriorityQueue<Action, (long When, long Seq)> _queue = new();
    private readonly long _start = clock.GetTimestamp();
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private long _seq;
    private long _sameInstant;

    /// <summary>Events at one simulated instant beyond which the run is a busy loop, not a schedule.</summary>
    private const long BusyLoopEvents = 100_000;

    public FakeTimeProvider Clock => clock;

    public long Now => clock.GetTimestamp();

    public bool Tracing => tracing;

    public List<string> Trace { get; } = [];

    public long Events { get; private set; }

    /// <summary>Set when simulated code ran on another thread: the run would no longer be deterministic.</summary>
    public string? Escaped { get; private set; }

    public static long Ticks(double seconds) => (long)(seconds * TimeSpan.TicksPerSecond);

    public double Seconds(long timestamp) => (timestamp - _start) / (double)TimeSpan.TicksPerSecond;

    public void At(long when, Action action) => _queue.Enqueue(action, (Math.Max(when, Now), _seq++));

    public void After(double seconds, Action action) => At(Now + Ticks(seconds), action);

    /// <summary>Runs events up to <paramref name="until"/>, calling <paramref name="check"/> after each; stops early when it returns false.</summary>
    public bool RunUntil(long until, Func<bool> check)
    {
        while (_queue.TryPeek(out _, out var next) && next.When <= until)
        {
            var action = _queue.Dequeue();
            if (next.When > Now)
            {
                clock.Advance(TimeSpan.FromTicks(next.When - Now));
                _sameInstant = 0;
            }
            else if (++_sameInstant > BusyLoopEvents)
            {
                Escaped ??= $"BUSY LOOP at {Seconds(Now):F3}s: {BusyLoopEvents} events without the clock moving";
                return false;
            }

            Events++;
            try
            {
                action();
            }
            catch (Exception e)
            {
                // A bug in the simulation itself (or an exception the product lets escape): report it as a failure.
                Escaped ??= $"unexpected exception at {Seconds(Now):F3}s: {e}";
                return false;
            }
            if (!check())
            {
                return false;
            }
        }

        if (until > Now)
        {
            clock.Advance(TimeSpan.FromTicks(until - Now));
        }

        return true;
    }

    public void OnSimThread()
    {
        if (Environment.CurrentManagedThreadId != _thread)
        {
            Escaped ??= $"simulated code ran on thread {Environment.CurrentManagedThreadId} at {Seconds(Now):F3}s";
        }
    }

    /// <summary>Adds a trace line; the message is only formatted when tracing (a replay), not in the bulk runs.</summary>
    public void Log([InterpolatedStringHandlerArgument("")] ref TraceMessage what)
    {
        if (tracing)
        {
            Trace.Add(string.Create(CultureInfo.InvariantCulture, $"{Seconds(Now),9:F3}  {what.ToStringAndClear()}"));
        }
    }
}

/// <summary>An interpolated trace message that costs nothing when tracing is off.</summary>
[InterpolatedStringHandler]
internal ref struct TraceMessage
{
    private DefaultInterpolatedStringHandler _inner;

    public TraceMessage(int literalLength, int formattedCount, SimScheduler scheduler, out bool enabled)
    {
        enabled = scheduler.Tracing;
        _inner = enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture) : default;
    }

    public TraceMessage(int literalLength, int formattedCount, HaSimulation sim, out bool enabled)
        : this(literalLength, formattedCount, sim.Scheduler, out enabled)
    {
    }

    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    public void AppendFormatted<T>(T value, int alignment, string? format) => _inner.AppendFormatted(value, alignment, format);

    public string ToStringAndClear() => _inner.ToStringAndClear();
}
