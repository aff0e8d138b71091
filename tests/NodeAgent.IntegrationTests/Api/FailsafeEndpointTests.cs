using System.Net;
using System.Net.Http.Headers;
using System.Text;
using NodeAgent.Api;

namespace NodeAgent.IntegrationTests.Api;

/// <summary>
/// POST /failsafe with failsafe_mode on (api.py:do_POST_failsafe) and POST /leader_release (the lock handover): access
/// first, then the body, then the sink.
/// </summary>
public sealed class FailsafeEndpointTests
{
    [Fact]
    public async Task With_failsafe_mode_on_the_heartbeat_is_read_and_answered_by_the_sink()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.61", ApiSnapshots.Leader(),
            o => o with { Authentication = new RestApiAuthentication("admin", "s3cret") });
        api.Sink.FailsafeModeEnabled = true;
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:s3cret")));
        const string heartbeat = """{"name":"u4","conn_url":"postgres://127.0.0.4:5432/postgres","api_url":"http://127.0.0.4:8008/patroni","ttl":30}""";

        using var anonymous = await PostAsync(http, null, heartbeat);
        using var empty = await PostAsync(http, auth, "{}");
        using var accepted = await PostAsync(http, auth, heartbeat);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("Accepted", await accepted.Content.ReadAsStringAsync());
        Assert.Equal(new object[] { "accept-failsafe" }, api.Sink.Calls.ToArray());
    }

    [Fact]
    public async Task Leader_release_is_checked_for_access_and_body_then_handed_to_the_sink()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.62", ApiSnapshots.Replica(),
            o => o with { Authentication = new RestApiAuthentication("admin", "s3cret") });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:s3cret")));
        const string release = """{"leader":"u4","mod_revision":42}""";

        using var anonymous = await PostAsync(http, null, release, "/leader_release");
        using var notJson = await PostAsync(http, auth, "leader=u4", "/leader_release");
        using var released = await PostAsync(http, auth, release, "/leader_release");
        using var get = await http.GetAsync(new Uri("/leader_release", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(new object[] { "leader-release" }, api.Sink.Calls.ToArray());
    }

    [Fact]
    public async Task The_release_client_posts_the_key_version_with_the_members_credentials_and_names_who_released_it()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.63", ApiSnapshots.Replica(),
            o => o with { Authentication = new RestApiAuthentication("admin", "s3cret") });
        using var http = new HttpClient();
        var client = new NodeAgent.Ha.HttpLeaderReleaseClient(http, NodeAgent.Ha.HttpFailsafeClient.Basic("admin", "s3cret"));
        var unreachable = $"http://127.0.87.64:{NodeAgent.IntegrationTests.Fixtures.LoopbackAddresses.FreePort("127.0.87.64")}/patroni";
        var members = new Dictionary<string, string> { ["u5"] = unreachable, ["u6"] = new Uri(api.BaseAddress, "/patroni").ToString() };

        var by = await client.SendAsync(members, new NodeAgent.Dcs.LeaderRelease("u4", 42), TimeSpan.FromSeconds(2), default);
        var wrongPassword = await new NodeAgent.Ha.HttpLeaderReleaseClient(http, NodeAgent.Ha.HttpFailsafeClient.Basic("admin", "nope"))
            .SendAsync(members, new NodeAgent.Dcs.LeaderRelease("u4", 42), TimeSpan.FromSeconds(2), default);

        Assert.Equal("u6", by);
        Assert.Null(wrongPassword);
        Assert.Equal("""{"leader":"u4","mod_revision":42}""", Assert.Single(api.Sink.ReleaseBodies));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, AuthenticationHeaderValue? auth, string body, string path = "/failsafe")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = auth;
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return await http.SendAsync(request);
    }
}
