using System.Globalization;
using System.Text.Json.Nodes;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>The <c>status</c> key <c>{"optime":N,"slots":{..}}</c>, with the legacy <c>optime/leader</c> fallback.</summary>
internal static class StatusCodec
{
    public static string Encode(ulong optime) =>
        "{\"optime\":" + optime.ToString(CultureInfo.InvariantCulture) + "}";

    /// <summary>The leader's last LSN: status.optime if status exists, else optime/leader, else 0 (<c>_cluster_from_nodes</c>).</summary>
    public static ulong LastLsn(string? status, string? legacyOptime)
    {
        if (status is not null)
        {
            return JsonParsing.TryParse(status) is JsonObject o && JsonParsing.GetUInt64(o, "optime") is { } lsn ? lsn : 0;
        }

        return ulong.TryParse(legacyOptime, NumberStyles.None, CultureInfo.InvariantCulture, out var legacy) ? legacy : 0;
    }
}
