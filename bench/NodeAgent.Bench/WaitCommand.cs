using System.Globalization;
using Npgsql;

namespace NodeAgent.Bench;

/// <summary>Polls postgres directly (not through HAProxy) on several hosts at once and reports the first that
/// passes: "writable" = a transaction id can be assigned (only a primary can), "ready" = a query answers.</summary>
internal static class WaitCommand
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);

    public static async Task<int> RunAsync(Options options)
    {
        var hosts = options.List("hosts");
        var sql = options.Text("probe") switch
        {
            "writable" => "SELECT txid_current()",
            "ready" => "SELECT 1",
            var other => throw new ArgumentException($"unknown probe '{other}'"),
        };
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.Long("timeout-ms", 180_000)));
        using var firstWins = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var probes = hosts.Select(h => PollAsync(h, sql, firstWins.Token)).ToList();
        while (probes.Count > 0)
        {
            var done = await Task.WhenAny(probes);
            probes.Remove(done);
            if (await done is { } passedAt)
            {
                await firstWins.CancelAsync();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{passedAt.Host} {passedAt.AtMs}"));
                return 0;
            }
        }

        await Console.Error.WriteLineAsync($"bench wait: no host of {string.Join(',', hosts)} passed '{sql}' in time");
        return 1;
    }

    private static async Task<(string Host, long AtMs)?> PollAsync(string host, string sql, CancellationToken ct)
    {
        var connectionString = Connections.For(host);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct).WaitAsync(Connections.AttemptBudget, ct);
                await using var probe = new NpgsqlCommand(sql, connection);
                await probe.ExecuteScalarAsync(ct).WaitAsync(Connections.AttemptBudget, ct);
                return (host, Clock.NowMs());
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            try
            {
                await Task.Delay(PollEvery, ct);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }
}
