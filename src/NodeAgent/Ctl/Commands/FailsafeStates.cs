using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary>
/// What <c>list -e</c> shows in its Failsafe column: each member's <c>failsafe_mode_is_active</c> from <c>GET /patroni</c>.
/// The state lives in each agent's memory (a leader in failsafe mode cannot write it to etcd), so it is asked for.
/// </summary>
internal static class FailsafeStates
{
    /// <summary>Patroni's own POST /failsafe timeout: an unreachable member must not hold up the listing.</summary>
    private static readonly TimeSpan PerMember = TimeSpan.FromSeconds(2);

    /// <summary>Null (no column) unless extended and failsafe_mode is on, so other clusters list as patronictl does.</summary>
    public static async Task<IReadOnlyDictionary<string, bool?>?> ReadAsync(CtlContext ctx, ClusterView view, bool extended, CancellationToken ct)
    {
        if (!extended || !ClusterFlags.IsFailsafeMode(view))
        {
            return null;
        }

        var members = view.Members.Where(m => !string.IsNullOrEmpty(m.Data.ApiUrl)).ToList();
        var states = await Task.WhenAll(members.Select(async m => (m.Name, Active: await ReadOneAsync(ctx, m, ct).ConfigureAwait(false)))).ConfigureAwait(false);
        return states.ToDictionary(s => s.Name, s => s.Active, StringComparer.Ordinal);
    }

    private static async Task<bool?> ReadOneAsync(CtlContext ctx, Member member, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(PerMember);
        try
        {
            var response = await ctx.Api.RequestAsync(member, HttpMethod.Get, "patroni", null, deadline.Token).ConfigureAwait(false);
            // api.py answers GET /patroni with 200; anything else is no statement about failsafe mode.
            return response.Status == 200 && JsonNode.Parse(response.Body) is JsonObject status
                ? ClusterFlags.ParseBool(status["failsafe_mode_is_active"])
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or UriFormatException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }
}
