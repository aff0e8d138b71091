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

    private async Task<string?> SendOneAsync(string name, string apiUrl, byte[] body, TimeSpan timeout, CancellationToken cancellationToken) =>
        await MemberApiPost.SendAsync(http, auth, apiUrl, "/leader_release", body, timeout, cancellationToken).ConfigureAwait(false) is (200, _)
            ? name
            : null;

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
