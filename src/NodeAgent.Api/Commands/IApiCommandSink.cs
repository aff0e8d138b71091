using System.Text.Json.Nodes;

namespace NodeAgent.Api.Commands;

/// <summary>
/// What the REST API asks of the agent. The API validates requests as Patroni does (shape, schedule,
/// auth) before calling; the sink answers with Patroni's status codes and messages
/// (e.g. 412 "candidate does not exists", 503 "Switchover failed").
/// </summary>
public interface IApiCommandSink
{
    /// <summary>POST /switchover and POST /failover (already checked: failover has a candidate, switchover a leader, schedule in the future).</summary>
    Task<ApiCommandResult> SwitchoverAsync(SwitchoverCommand command, CancellationToken cancellationToken);

    /// <summary>DELETE /switchover: 200 "scheduled switchover deleted", 404 "no switchover is scheduled", 409.</summary>
    Task<ApiCommandResult> CancelScheduledSwitchoverAsync(CancellationToken cancellationToken);

    /// <summary>POST /restart, immediate or scheduled (filters already validated).</summary>
    Task<ApiCommandResult> RestartAsync(RestartCommand command, CancellationToken cancellationToken);

    /// <summary>DELETE /restart: 200 "scheduled restart deleted" / 404 "no restarts are scheduled".</summary>
    Task<ApiCommandResult> CancelScheduledRestartAsync(CancellationToken cancellationToken);

    /// <summary>POST /reload: 202 "reload scheduled".</summary>
    Task<ApiCommandResult> ReloadAsync(CancellationToken cancellationToken);

    /// <summary>POST /reinitialize: 200 "reinitialize started" or 503 with the reason.</summary>
    Task<ApiCommandResult> ReinitializeAsync(bool force, CancellationToken cancellationToken);

    /// <summary>GET /config: 200 + Json, or 502 when the DCS holds no config.</summary>
    Task<ApiCommandResult> GetConfigAsync(CancellationToken cancellationToken);

    /// <summary>
    /// PATCH /config (JSON merge patch, null deletes): 200 + new config Json, 400 + "key: what is wrong" when the
    /// patched config breaks a rule (nothing written), 503 no config, 409 CAS conflict.
    /// </summary>
    Task<ApiCommandResult> PatchConfigAsync(JsonObject patch, CancellationToken cancellationToken);

    /// <summary>PUT /config (full replace): 200 + Json, 400 + "key: what is wrong" when it breaks a rule (nothing written), 502 on write failure.</summary>
    Task<ApiCommandResult> ReplaceConfigAsync(JsonObject config, CancellationToken cancellationToken);

    /// <summary>GET /cluster: Patroni's cluster_as_json.</summary>
    Task<ApiCommandResult> GetClusterAsync(CancellationToken cancellationToken);

    /// <summary>GET /history: the timeline history list.</summary>
    Task<ApiCommandResult> GetHistoryAsync(CancellationToken cancellationToken);

    /// <summary>GET /failsafe: 200 + the <c>failsafe</c> key (member name to api_url), 502 when there is none.</summary>
    Task<ApiCommandResult> GetFailsafeAsync(CancellationToken cancellationToken);

    /// <summary>failsafe_mode is on in the dynamic config: POST /failsafe answers 502 without reading the body when it is not.</summary>
    bool FailsafeModeEnabled { get; }

    /// <summary>
    /// POST /failsafe (api.py:do_POST_failsafe): the leader's heartbeat {name, conn_url, api_url}. 200 "Accepted", 500
    /// "Running as a leader" when this node runs a primary, 400 when a field is missing.
    /// </summary>
    Task<ApiCommandResult> AcceptFailsafeAsync(JsonObject heartbeat, CancellationToken cancellationToken);

    /// <summary>
    /// POST /leader_release (beyond Patroni): a leader that cannot reach etcd and has stopped its postgres asks this member
    /// to delete its leader key, {"leader": name, "mod_revision": n}. 200 "released", 409 when the key is not that version,
    /// 503 when etcd is not accessible, 400 for a bad body.
    /// </summary>
    Task<ApiCommandResult> ReleaseLeaderAsync(JsonObject body, CancellationToken cancellationToken);
}
