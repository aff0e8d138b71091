using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace NodeAgent.Ha;

/// <summary>
/// <see cref="IFailsafeClient"/> over HTTP (ha.py:call_failsafe_member): a member accepted when it answered 200 with the
/// body "Accepted". Basic auth with restapi.authentication, as Patroni's own requests to its members.
/// </summary>
internal sealed class HttpFailsafeClient(HttpClient http, AuthenticationHeaderValue? auth) : IFailsafeClient
{
    public async Task<IReadOnlyList<string>> SendAsync(IReadOnlyDictionary<string, string> members, FailsafeHeartbeat heartbeat, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(heartbeat);
        var body = Encode(heartbeat);
        var answers = await Task.WhenAll(members.Select(async m => (m.Key, Accepted: await SendOneAsync(m.Value, body, timeout, cancellationToken).ConfigureAwait(false))))
            .ConfigureAwait(false);
        return [.. answers.Where(a => !a.Accepted).Select(a => a.Key)];
    }

    private async Task<bool> SendOneAsync(string apiUrl, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var api))
        {
            return false;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api.GetLeftPart(UriPartial.Authority) + "/failsafe"));
            request.Headers.Authorization = auth;
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
            return (int)response.StatusCode == 200 && text == "Accepted";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    internal static byte[] Encode(FailsafeHeartbeat heartbeat)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", heartbeat.Name);
            w.WriteString("conn_url", heartbeat.ConnUrl);
            w.WriteString("api_url", heartbeat.ApiUrl);
            w.WriteNumber("ttl", heartbeat.Ttl);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The Basic auth header for restapi.authentication, or null.</summary>
    internal static AuthenticationHeaderValue? Basic(string? username, string? password) =>
        username is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password)));
}
