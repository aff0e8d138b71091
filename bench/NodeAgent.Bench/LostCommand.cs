using System.Globalization;
using Npgsql;

namespace NodeAgent.Bench;

/// <summary>Acknowledged writes of a window that the given server (the leader after the incident) does not have.</summary>
internal static class LostCommand
{
    public static async Task<int> RunAsync(Options options)
    {
        var acks = AckLog.Read(options.Text("log"), options.Long("from"), options.Long("to"));
        if (acks.Count == 0)
        {
            Console.WriteLine("0 0");
            return 0;
        }

        var present = await PresentAsync(options.Text("host"), acks.Min(a => a.Id), acks.Max(a => a.Id));
        var missing = acks.Where(a => !present.Contains(a.Id)).Select(a => a.Id).ToList();
        var shown = string.Join(',', missing.Take(20));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{acks.Count} {missing.Count} {shown}").TrimEnd());
        return 0;
    }

    /// <summary>The ids the host has in the range. Asked right after a failover on a busy machine: the server may still be
    /// starting or slow, so a few attempts with generous timeouts (a failed check must not end a 20-kill run).</summary>
    private static async Task<HashSet<long>> PresentAsync(string host, long min, long max)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var present = new HashSet<long>();
                await using var connection = new NpgsqlConnection(Connections.ForCheck(host));
                await connection.OpenAsync();
                await using var query = new NpgsqlCommand("SELECT id FROM bench_writes WHERE id BETWEEN $1 AND $2", connection);
                query.Parameters.Add(new NpgsqlParameter<long> { TypedValue = min });
                query.Parameters.Add(new NpgsqlParameter<long> { TypedValue = max });
                await using var reader = await query.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    present.Add(reader.GetInt64(0));
                }

                return present;
            }
            catch (Exception ex) when (attempt < 10 && ex is NpgsqlException or TimeoutException or IOException)
            {
                await Console.Error.WriteLineAsync($"bench lost: attempt {attempt} on {host} failed ({ex.Message}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }
}
