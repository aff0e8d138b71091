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

    private async Task<bool> SendOneAsync(string apiUrl, byte[] body, TimeSpan timeout, CancellationToken cancellationToken) =>
        await MemberApiPost.SendAsync(http, auth, apiUrl, "/failsafe", body, timeout, cancellationToken).ConfigureAwait(false) is (200, "Accepted");

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
