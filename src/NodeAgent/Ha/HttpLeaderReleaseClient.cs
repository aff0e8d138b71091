using System.Net.Http.Headers;
using System.Text.Json;
using NodeAgent.Dcs;

namespace NodeAgent.Ha;

/// <summary>
/// <see cref="ILeaderReleaseClient"/> over HTTP: <c>POST &lt;api&gt;/leader_release</c> with {"leader", "mod_revision"}; a
/// member released the key when it answered 200. Basic auth with restapi.authentication, as for <c>POST /failsafe</c>.
/// </summary>
internal sealed class HttpLeaderReleaseClient(HttpClient http, AuthenticationHeaderValue? auth) : ILeaderReleaseClient
{
    public async Task<string?> SendAsync(IReadOnlyDictionary<string, string> members, LeaderRelease release, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(release);
        var body = Encode(release);
        // The first member that deleted the key is the answer; the others finish (or time out) on their own.
        var pending = members.Select(m => SendOneAsync(m.Key, m.Value, body, timeout, cancellationToken)).ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (await done.ConfigureAwait(false) is { } name)
            {
                return name;
            }
        }

        return null;
    }

    private async Task<string?> SendOneAsync(string name, string apiUrl, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var api))
        {
            return null;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api.GetLeftPart(UriPartial.Authority) + "/leader_release"));
            request.Headers.Authorization = auth;
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            return (int)response.StatusCode == 200 ? name : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return null;
        }
    }

    internal static byte[] Encode(LeaderRelease release)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("leader", release.Leader);
            w.WriteNumber("mod_revision", release.ModRevision);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
