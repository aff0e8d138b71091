namespace NodeAgent.ChaosClient;

/// <summary>The write streams of the chaos client: through HAProxy, straight to each node, locally on one node.</summary>
internal static class Writers
{
    /// <summary>
    /// Every <c>interval</c> (or right after a slow attempt) one INSERT of the next sequence number through
    /// HAProxy's primary port; each acknowledged one is logged with the node that acknowledged it (the server
    /// address it returns, named from the <c>--node</c> list). The sequence number advances on every attempt,
    /// acknowledged or not, so rows of unacknowledged attempts may exist but are never required.
    /// </summary>
    public static async Task HaproxyAsync(ClientOptions options, AckLog log, CancellationToken cancellationToken)
    {
        using var session = new WriteSession(options.HaproxyHost!, options.HaproxyPort, options.Password);
        await SequenceAsync(session, options, "INSERT INTO chaos_acked (tag, seq) VALUES ($1, $2) RETURNING host(inet_server_addr())", [],
            (seq, start, result) => log.Haproxy(options.Tag, seq, start, AckLog.NowMs(), NodeAt(options, result)),
            (start, error) => log.Failure("H", "haproxy", start, error), cancellationToken);
    }

    /// <summary>
    /// Like <see cref="HaproxyAsync"/>, but to one node's postgres over its unix socket from inside the node's
    /// own namespace: writes that node acknowledges whatever HAProxy and the network do.
    /// </summary>
    public static async Task LocalAsync(ClientOptions options, DirectTarget node, AckLog log, CancellationToken cancellationToken)
    {
        using var session = new WriteSession(node.Host, node.Port, options.Password);
        await SequenceAsync(session, options, "INSERT INTO chaos_local (tag, seq, node) VALUES ($1, $2, $3)", [node.Name],
            (seq, start, _) => log.Local(options.Tag, node.Name, seq, start, AckLog.NowMs()),
            (start, error) =>
            {
                if (!error.Contains("read-only", StringComparison.Ordinal))
                {
                    log.Failure("L", node.Name, start, error);
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Each 100 ms round (Unix ms / interval) one INSERT straight to <paramref name="node"/>, tagged with the
    /// round in which it was sent. Only a primary accepts it: two nodes acknowledging the same round means
    /// two writable primaries at once.
    /// </summary>
    public static async Task DirectAsync(ClientOptions options, DirectTarget node, AckLog log, CancellationToken cancellationToken)
    {
        using var session = new WriteSession(node.Host, node.Port, options.Password);
        long lastRound = -1;
        while (!cancellationToken.IsCancellationRequested)
        {
            var start = AckLog.NowMs();
            var round = start / options.DirectIntervalMs;
            if (round != lastRound)
            {
                lastRound = round;
                var (acked, _, error) = await session.ExecuteAsync(
                    "INSERT INTO chaos_direct (tag, node, round) VALUES ($1, $2, $3)", [options.Tag, node.Name, round], cancellationToken);
                if (acked)
                {
                    log.Direct(options.Tag, node.Name, round, start, AckLog.NowMs());
                }
                else if (error is not null && !error.Contains("read-only", StringComparison.Ordinal))
                {
                    log.Failure("D", node.Name, start, error);
                }
            }
            var next = ((AckLog.NowMs() / options.DirectIntervalMs) + 1) * options.DirectIntervalMs;
            var wait = next - AckLog.NowMs();
            if (wait > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task SequenceAsync(
        WriteSession session, ClientOptions options, string sql, object[] extra,
        Action<long, long, object?> acked, Action<long, string> failed, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.HaproxyIntervalMs));
        long seq = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            seq++;
            var start = AckLog.NowMs();
            var (ok, result, error) = await session.ExecuteAsync(sql, [options.Tag, seq, .. extra], cancellationToken);
            if (ok)
            {
                acked(seq, start, result);
            }
            else if (error is not null)
            {
                failed(start, error);
            }
            if (!await Tick(timer, cancellationToken))
            {
                return;
            }
        }
    }

    private static string NodeAt(ClientOptions options, object? address) =>
        options.Nodes.FirstOrDefault(n => n.Host == address as string)?.Name ?? (address as string ?? "unknown");

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
