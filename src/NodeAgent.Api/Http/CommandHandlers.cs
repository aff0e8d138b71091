using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using NodeAgent.Api.Commands;
using NodeAgent.Api.Status;

namespace NodeAgent.Api.Http;

/// <summary>
/// Endpoints that change or read cluster state through <see cref="IApiCommandSink"/>. Unsafe methods
/// pass <see cref="AccessPolicy"/> first; bodies are read and validated here, decisions are the sink's.
/// </summary>
internal sealed class CommandHandlers(IApiCommandSink sink, StatusBoard board, AccessPolicy access, TimeProvider time)
{
    public async Task ClusterAsync(HttpContext context) =>
        await WriteAsync(context, await sink.GetClusterAsync(context.RequestAborted));

    public async Task HistoryAsync(HttpContext context) =>
        await WriteAsync(context, await sink.GetHistoryAsync(context.RequestAborted));

    public async Task GetConfigAsync(HttpContext context) =>
        await WriteAsync(context, await sink.GetConfigAsync(context.RequestAborted));

    public Task PatchConfigAsync(HttpContext context) =>
        WithBodyAsync(context, optional: false, (body, ct) => sink.PatchConfigAsync(body, ct));

    public Task PutConfigAsync(HttpContext context) =>
        WithBodyAsync(context, optional: false, (body, ct) => sink.ReplaceConfigAsync(body, ct));

    public Task SwitchoverAsync(HttpContext context, SwitchoverKind kind) =>
        WithBodyAsync(context, optional: false, (body, ct) =>
            SwitchoverRequestParser.TryParse(body, kind, board.Current.Paused, time.GetUtcNow(), out var command, out var error)
                ? sink.SwitchoverAsync(command, ct)
                : Task.FromResult(error!));

    public Task CancelSwitchoverAsync(HttpContext context) =>
        WithAccessAsync(context, ct => sink.CancelScheduledSwitchoverAsync(ct));

    public Task RestartAsync(HttpContext context) =>
        WithBodyAsync(context, optional: true, (body, ct) =>
            RestartRequestParser.TryParse(body, board.Current.Paused, time.GetUtcNow(), out var command, out var error)
                ? sink.RestartAsync(command, ct)
                : Task.FromResult(error!));

    public Task CancelRestartAsync(HttpContext context) =>
        WithAccessAsync(context, ct => sink.CancelScheduledRestartAsync(ct));

    public async Task GetFailsafeAsync(HttpContext context) =>
        await WriteAsync(context, await sink.GetFailsafeAsync(context.RequestAborted));

    /// <summary>
    /// The failsafe heartbeat a leader sends its members (api.py:do_POST_failsafe): after the access check, 502 with
    /// failsafe_mode off (the body is not read), else the body is read as any other and the sink accepts or refuses it.
    /// </summary>
    public Task PostFailsafeAsync(HttpContext context) =>
        sink.FailsafeModeEnabled
            ? WithBodyAsync(context, optional: false, (body, ct) => sink.AcceptFailsafeAsync(body, ct))
            : WithAccessAsync(context, _ => Task.FromResult(ApiCommandResult.Text(502, "")));

    /// <summary>The lock handover a leader cut from etcd asks of its members; access is checked as for any POST.</summary>
    public Task PostLeaderReleaseAsync(HttpContext context) =>
        WithBodyAsync(context, optional: false, (body, ct) => sink.ReleaseLeaderAsync(body, ct));

    public Task ReloadAsync(HttpContext context) =>
        WithAccessAsync(context, ct => sink.ReloadAsync(ct));

    public Task ReinitializeAsync(HttpContext context) =>
        WithBodyAsync(context, optional: true, (body, ct) => sink.ReinitializeAsync(IsTrue(body["force"]), ct));

    private async Task WithAccessAsync(HttpContext context, Func<CancellationToken, Task<ApiCommandResult>> command)
    {
        if (access.Check(context, board.Current) is { } denied)
        {
            await denied.WriteAsync(context);
            return;
        }

        await WriteAsync(context, await command(context.RequestAborted));
    }

    private Task WithBodyAsync(HttpContext context, bool optional, Func<JsonObject, CancellationToken, Task<ApiCommandResult>> command) =>
        WithAccessAsync(context, async ct =>
        {
            var read = await JsonBodyReader.ReadAsync(context.Request, optional, ct);
            return read.Error is { } error ? ApiCommandResult.Text(error.StatusCode, error.Body) : await command(read.Body!, ct);
        });

    private static Task WriteAsync(HttpContext context, ApiCommandResult result)
    {
        if (result.Json is { } json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteTo(writer);
            }

            return StatusHandlers.WriteJsonAsync(context, result.StatusCode, buffer.ToArray());
        }

        var bytes = Encoding.UTF8.GetBytes(result.Message ?? string.Empty);
        context.Response.StatusCode = result.StatusCode;
        context.Response.ContentType = "text/html";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v
        && ((v.TryGetValue<bool>(out var b) && b)
            || (v.TryGetValue<string>(out var s) && s.ToLowerInvariant() is "on" or "true" or "yes" or "1")
            || (v.TryGetValue<int>(out var i) && i == 1));
}
