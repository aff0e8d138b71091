using System.Globalization;
using NodeAgent.Cluster;
using NodeAgent.Postgres;

namespace NodeAgent.Ha;

/// <summary>
/// The conditions of a restart (ha.py:restart_matches), as the REST API received them: only when the role matches
/// ("master"/"primary" or "replica"), only when the running server is older than <see cref="PostgresVersion"/>,
/// only when a restart is pending (the key <c>restart_pending</c> was present at all, as in Patroni).
/// </summary>
public sealed record RestartFilters(string? Role = null, string? PostgresVersion = null, bool? RestartPending = null)
{
    public static RestartFilters None { get; } = new();

    /// <summary>Null when the restart may go ahead, else Patroni's reason for not proceeding.</summary>
    public string? WhyNot(PostgresObservation pg)
    {
        ArgumentNullException.ThrowIfNull(pg);
        var why = (string?)null;
        if (Role is { } role && MemberRoleNames.FromWire(role) != MemberDataFactory.Role(pg))
        {
            why = "host role mismatch";
        }

        if (PostgresVersion is { } version && VersionNumber(version) is { } wanted && wanted <= (pg.ServerVersion ?? 0))
        {
            why = "postgres version mismatch";
        }

        if (RestartPending is not null && !pg.PendingRestart)
        {
            why = "pending restart flag is not set";
        }

        return why;
    }

    /// <summary>Patroni's <c>postgres_version_to_int</c>: "15.2" is 150002, "9.6.3" is 90603; null when malformed.</summary>
    public static int? VersionNumber(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var parts = version.Split('.');
        var numbers = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            numbers.Add(n);
        }

        if (numbers.Count is < 2 or > 3 || (numbers.Count == 2 && numbers[0] < 10))
        {
            return null;
        }

        if (numbers.Count == 2)
        {
            numbers.Insert(1, 0);
        }

        return (numbers[0] * 100 + numbers[1]) * 100 + numbers[2];
    }
}

/// <summary>A command from the REST API that the HA loop acts on in one of its cycles.</summary>
public abstract record ManualRequest(long Id)
{
    /// <summary>Patroni's name of the action, as in "restart already in progress".</summary>
    public abstract string Action { get; }
}

/// <summary>POST /restart without a schedule: the caller waits for the outcome.</summary>
public sealed record RestartRequest(long Id, RestartFilters Filters, int? TimeoutSeconds) : ManualRequest(Id)
{
    public override string Action => "restart";
}

/// <summary>POST /reinitialize: the caller waits only until the re-clone has started.</summary>
public sealed record ReinitializeRequest(long Id, bool Force) : ManualRequest(Id)
{
    public override string Action => "reinitialize";
}

/// <summary>The answer to a <see cref="ManualRequest"/>, in Patroni's status codes and words.</summary>
public sealed record ManualReply(int Status, string Message);

/// <summary>
/// A restart stored for later (POST /restart with <c>schedule</c>), shown in the member key and /patroni as
/// <c>scheduled_restart</c> with <see cref="PostmasterStartTime"/>, the start time of the postmaster it was meant for.
/// When a postmaster started after <see cref="RequestedAt"/> (postgres restarted by other means first), it is dropped:
/// Patroni compares start times it queried when scheduling; the last observed one may be a cycle old, the request time is not.
/// </summary>
public sealed record ScheduledRestart(
    DateTimeOffset At, RestartFilters Filters, int? TimeoutSeconds, DateTimeOffset? PostmasterStartTime, DateTimeOffset RequestedAt);

/// <summary>
/// Where the REST API leaves its restart and reinitialize commands for the HA loop (Patroni keeps them in its
/// AsyncExecutor and <c>patroni.scheduled_restart</c>). At most one command waits to be taken; the loop observes it,
/// the decision answers it or turns it into an action, and the executor replies. Thread-safe.
/// </summary>
public sealed class HaRequests
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, TaskCompletionSource<ManualReply>> _replies = [];
    private long _lastId;
    private ManualRequest? _pending;
    private ScheduledRestart? _scheduled;

    /// <summary>The command waiting for the loop, if any.</summary>
    public ManualRequest? Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>The scheduled restart, if any.</summary>
    public ScheduledRestart? Scheduled
    {
        get
        {
            lock (_gate)
            {
                return _scheduled;
            }
        }
    }

    /// <summary>
    /// Leaves a command for the loop. Fails (returns the waiting command instead) while another one waits to be taken.
    /// </summary>
    public bool TrySubmit(Func<long, ManualRequest> create, out ManualRequest request, out Task<ManualReply> reply)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            if (_pending is { } waiting)
            {
                request = waiting;
                reply = _replies[waiting.Id].Task;
                return false;
            }

            request = create(++_lastId);
            var source = new TaskCompletionSource<ManualReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            _replies[request.Id] = source;
            _pending = request;
            reply = source.Task;
            return true;
        }
    }

    /// <summary>The executor starts acting on the command: it stops waiting, its reply comes later. False when withdrawn.</summary>
    public bool Claim(long id)
    {
        lock (_gate)
        {
            if (!_replies.ContainsKey(id))
            {
                return false;
            }

            if (_pending?.Id == id)
            {
                _pending = null;
            }

            return true;
        }
    }

    /// <summary>Answers the command (claimed or still waiting). False when it was answered or withdrawn before.</summary>
    public bool Reply(long id, ManualReply reply)
    {
        TaskCompletionSource<ManualReply>? source;
        lock (_gate)
        {
            if (!_replies.Remove(id, out source))
            {
                return false;
            }

            if (_pending?.Id == id)
            {
                _pending = null;
            }
        }

        return source.TrySetResult(reply);
    }

    /// <summary>The caller gives up on a command the loop has not taken yet. False when it was taken (or answered).</summary>
    public bool TryWithdraw(long id)
    {
        lock (_gate)
        {
            if (_pending?.Id != id)
            {
                return false;
            }

            _pending = null;
            _replies.Remove(id);
            return true;
        }
    }

    /// <summary>ha.py:schedule_future_restart: false when another restart is already scheduled.</summary>
    public bool TrySchedule(ScheduledRestart restart)
    {
        ArgumentNullException.ThrowIfNull(restart);
        lock (_gate)
        {
            if (_scheduled is not null)
            {
                return false;
            }

            _scheduled = restart;
            return true;
        }
    }

    /// <summary>ha.py:delete_future_restart: false when none was scheduled.</summary>
    public bool CancelScheduled()
    {
        lock (_gate)
        {
            var had = _scheduled is not null;
            _scheduled = null;
            return had;
        }
    }

    /// <summary>Drops the scheduled restart the decision saw, unless it was replaced meanwhile.</summary>
    public bool ClearScheduled(ScheduledRestart expected)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_scheduled, expected))
            {
                return false;
            }

            _scheduled = null;
            return true;
        }
    }
}
