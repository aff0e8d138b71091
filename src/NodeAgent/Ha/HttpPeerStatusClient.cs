using System.Text.Json;
using NodeAgent.Cluster;

namespace NodeAgent.Ha;

/// <summary>
/// <see cref="IPeerStatusClient"/> over HTTP: <c>GET &lt;api_url&gt;</c>, any status code with a JSON body
/// counts as an answer (Patroni answers 503 with a body too). Parsed with JsonDocument (AOT-safe).
/// </summary>
internal sealed class HttpPeerStatusClient(HttpClient http) : IPeerStatusClient
{
    public async Task<IReadOnlyList<PeerStatus>> GetStatusesAsync(IReadOnlyList<Member> members, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        var calls = members.Select(m => GetOneAsync(m, timeout, cancellationToken));
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }

    private async Task<PeerStatus> GetOneAsync(Member member, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(member.Data.ApiUrl, UriKind.Absolute, out var url))
        {
            return PeerStatus.Unreachable(member.Name);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            return Parse(member.Name, body) ?? PeerStatus.Unreachable(member.Name);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return PeerStatus.Unreachable(member.Name);
        }
    }

    /// <summary>ha.py:_MemberStatus.from_api_response: <c>xlog.location</c> present means "not in recovery".</summary>
    internal static PeerStatus? Parse(string member, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var inRecovery = true;
            ulong wal = 0;
            if (root.TryGetProperty("xlog", out var xlog) && xlog.ValueKind == JsonValueKind.Object)
            {
                if (Number(xlog, "location") is { } location)
                {
                    inRecovery = false;
                    wal = location;
                }
                else
                {
                    wal = Math.Max(Number(xlog, "received_location") ?? 0, Number(xlog, "replayed_location") ?? 0);
                }
            }

            int? timeline = root.TryGetProperty("timeline", out var tl) && tl.TryGetInt32(out var t) ? t : null;
            var noFailover = root.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
                && tags.TryGetProperty("nofailover", out var nf) && IsTrue(nf);
            var watchdogFailed = root.TryGetProperty("watchdog_failed", out var wf) && IsTrue(wf);
            return new PeerStatus(member, true, inRecovery, new Lsn(wal), timeline, noFailover, watchdogFailed);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ulong? Number(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n) ? n : null;

    private static bool IsTrue(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.String => string.Equals(v.GetString(), "true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
