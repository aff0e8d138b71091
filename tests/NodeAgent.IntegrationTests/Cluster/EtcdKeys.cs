using System.Text;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Reads keys straight from etcd's JSON gateway (POST /v3/kv/range), independent of the agent's own
/// client: what is asserted is what any other etcd v3 client (Patroni) would see.
/// </summary>
internal static class EtcdKeys
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The value of <paramref name="key"/>, null if absent; throws if no member answers.</summary>
    public static async Task<string?> GetAsync(EtcdCluster etcd, string key, CancellationToken cancellationToken = default) =>
        (await GetEntryAsync(etcd, key, cancellationToken))?.Value;

    /// <summary>The entry of <paramref name="key"/> (value, lease, mod_revision), null if absent; throws if no member answers.</summary>
    public static async Task<EtcdEntry?> GetEntryAsync(EtcdCluster etcd, string key, CancellationToken cancellationToken = default)
    {
        var all = await RangeAsync(etcd, key, prefix: false, cancellationToken);
        return all.TryGetValue(key, out var entry) ? entry : null;
    }

    /// <summary>Every key under <paramref name="prefix"/> with its value.</summary>
    public static Task<IReadOnlyDictionary<string, EtcdEntry>> GetPrefixAsync(
        EtcdCluster etcd, string prefix, CancellationToken cancellationToken = default) =>
        RangeAsync(etcd, prefix, prefix: true, cancellationToken);

    /// <summary>Deletes one key (POST /v3/kv/deleterange) on the first member that answers.</summary>
    public static Task DeleteAsync(EtcdCluster etcd, string key, CancellationToken cancellationToken = default) =>
        PostAsync(etcd, "/v3/kv/deleterange", new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)) },
            $"a delete of {key}", cancellationToken);

    /// <summary>etcdctl lease timetolive through the gateway (POST /v3/lease/timetolive): the lease's granted and remaining TTL.</summary>
    public static async Task<(long Granted, long Remaining)> LeaseTimeToLiveAsync(EtcdCluster etcd, string leaseId, CancellationToken cancellationToken = default)
    {
        var body = await PostAsync(etcd, "/v3/lease/timetolive", new JsonObject { ["ID"] = leaseId }, $"a timetolive of lease {leaseId}", cancellationToken);
        return (long.Parse((string?)body?["grantedTTL"] ?? "0", System.Globalization.CultureInfo.InvariantCulture),
            long.Parse((string?)body?["TTL"] ?? "-1", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One gateway request, to the first running member that answers; its JSON answer.</summary>
    private static async Task<JsonNode?> PostAsync(EtcdCluster etcd, string path, JsonObject request, string what, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var member in etcd.Members.Where(m => m.IsRunning))
        {
            try
            {
                using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
                using var response = await Http.PostAsync(new Uri($"{member.ClientUrl}{path}"), content, cancellationToken);
                response.EnsureSuccessStatusCode();
                return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
        }
        throw new InvalidOperationException($"no etcd member answered {what}", last);
    }

    private static async Task<IReadOnlyDictionary<string, EtcdEntry>> RangeAsync(
        EtcdCluster etcd, string key, bool prefix, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)) };
        if (prefix)
        {
            var end = Encoding.UTF8.GetBytes(key);
            end[^1]++;
            request["range_end"] = Convert.ToBase64String(end);
        }
        var body = await PostAsync(etcd, "/v3/kv/range", request, $"a range on {key}", cancellationToken);
        var result = new Dictionary<string, EtcdEntry>(StringComparer.Ordinal);
        foreach (var kv in body?["kvs"]?.AsArray() ?? [])
        {
            var k = Encoding.UTF8.GetString(Convert.FromBase64String((string)kv!["key"]!));
            var v = (string?)kv["value"];
            var lease = (string?)kv["lease"];
            result[k] = new EtcdEntry(
                v is null ? "" : Encoding.UTF8.GetString(Convert.FromBase64String(v)),
                lease is null or "0" ? null : lease,
                long.Parse((string?)kv["mod_revision"] ?? "0", System.Globalization.CultureInfo.InvariantCulture));
        }
        return result;
    }
}

/// <summary>
/// A key's value, the ID of the lease it is attached to (null: no lease, the key is permanent) and the revision of
/// its last write (unchanged means nothing wrote the key, not even the same value).
/// </summary>
internal sealed record EtcdEntry(string Value, string? Lease, long ModRevision);
