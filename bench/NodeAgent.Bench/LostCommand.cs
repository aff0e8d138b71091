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

        var present = new HashSet<long>();
        await using (var connection = new NpgsqlConnection(Connections.For(options.Text("host"))))
        {
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("SELECT id FROM bench_writes WHERE id BETWEEN $1 AND $2", connection);
            query.Parameters.Add(new NpgsqlParameter<long> { TypedValue = acks.Min(a => a.Id) });
            query.Parameters.Add(new NpgsqlParameter<long> { TypedValue = acks.Max(a => a.Id) });
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                present.Add(reader.GetInt64(0));
            }
        }

        var missing = acks.Where(a => !present.Contains(a.Id)).Select(a => a.Id).ToList();
        var shown = string.Join(',', missing.Take(20));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{acks.Count} {missing.Count} {shown}").TrimEnd());
        return 0;
    }
}
