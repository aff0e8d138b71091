using System.Net;
using System.Net.Http.Headers;
using System.Text;
using NodeAgent.Api;
using NodeAgent.Api.Commands;

namespace NodeAgent.IntegrationTests.Api;

public sealed class CommandEndpointTests
{
    private static readonly Uri Reload = new("/reload", UriKind.Relative);
    private static readonly Uri Config = new("/config", UriKind.Relative);

    [Fact]
    public async Task Unsafe_methods_need_basic_auth_and_gets_stay_open()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.31", ApiSnapshots.Leader(),
            o => o with { Authentication = new RestApiAuthentication("admin", "s3cret") });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        using var missing = await http.PostAsync(Reload, null);
        using var wrong = await SendAsync(http, HttpMethod.Post, Reload, Basic("admin", "nope"));
        using var right = await SendAsync(http, HttpMethod.Post, Reload, Basic("admin", "s3cret"));
        using var config = await http.GetAsync(Config);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Basic realm=\"Patroni\"", missing.Headers.WwwAuthenticate.ToString());
        Assert.Equal("no auth header received", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("not authenticated", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, right.StatusCode);
        Assert.Equal("reload scheduled", await right.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
        Assert.Equal(new object[] { "reload", "get-config" }, api.Sink.Calls.ToArray());
    }

    [Fact]
    public async Task Failsafe_is_read_from_the_sink_and_its_heartbeat_answers_502_as_with_failsafe_mode_off()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.35", ApiSnapshots.Leader(),
            o => o with { Authentication = new RestApiAuthentication("admin", "s3cret") });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var failsafe = new Uri("/failsafe", UriKind.Relative);

        using var get = await http.GetAsync(failsafe);
        using var anonymous = await http.PostAsync(failsafe, new StringContent("{}", Encoding.UTF8, "application/json"));
        using var post = await SendAsync(http, HttpMethod.Post, failsafe, Basic("admin", "s3cret"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("{\"u4\":\"http://127.0.1.84:8008/patroni\"}", await get.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, post.StatusCode);
        Assert.Equal(new object[] { "failsafe" }, api.Sink.Calls.ToArray());
    }

    [Fact]
    public async Task Allowlist_denies_other_addresses()
    {
        await using var denying = await ApiServerHarness.StartAsync("127.0.87.32", ApiSnapshots.Leader(),
            o => o with { Allowlist = ["10.0.0.0/8", "127.0.88.1"] });
        await using var allowing = await ApiServerHarness.StartAsync("127.0.87.33", ApiSnapshots.Leader(),
            o => o with { Allowlist = ["127.0.0.0/8"] });
        using var httpDenied = new HttpClient { BaseAddress = denying.BaseAddress };
        using var httpAllowed = new HttpClient { BaseAddress = allowing.BaseAddress };

        using var denied = await httpDenied.PostAsync(Reload, null);
        using var allowed = await httpAllowed.PostAsync(Reload, null);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("Access is denied", await denied.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        Assert.Empty(denying.Sink.Calls);
    }

    [Fact]
    public async Task Body_rules_411_400_413()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.34", ApiSnapshots.Leader());
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var noLength = await api.RawAsync("PATCH /config HTTP/1.0\r\n\r\n");
        using var malformed = await SendAsync(http, HttpMethod.Patch, Config, body: "{\"ttl\": ");
        using var notObject = await SendAsync(http, HttpMethod.Patch, Config, body: "[1,2]");
        using var empty = await SendAsync(http, HttpMethod.Put, Config, body: "{}");
        using var huge = await SendAsync(http, HttpMethod.Put, Config, body: "{\"x\":\"" + new string('a', 70 * 1024) + "\"}");
        using var ok = await SendAsync(http, HttpMethod.Patch, Config, body: "{\"ttl\":20}");

        Assert.StartsWith("HTTP/1.1 411", noLength, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("{\"ttl\":20}", await ok.Content.ReadAsStringAsync());
        Assert.Equal(new object[] { "{\"ttl\":20}" }, api.Sink.Calls.ToArray());
    }

    [Fact]
    public async Task Switchover_and_failover_are_validated_before_the_sink()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.35", ApiSnapshots.Leader());
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var past = DateTimeOffset.UtcNow.AddHours(-1).ToString("O");
        var future = DateTimeOffset.UtcNow.AddHours(1);

        using var failoverNoCandidate = await SendAsync(http, HttpMethod.Post, new("/failover", UriKind.Relative), body: "{\"leader\":\"u4\"}");
        using var switchoverNoLeader = await SendAsync(http, HttpMethod.Post, new("/switchover", UriKind.Relative), body: "{\"candidate\":\"u5\"}");
        using var inThePast = await SendAsync(http, HttpMethod.Post, new("/switchover", UriKind.Relative), body: $"{{\"leader\":\"u4\",\"scheduled_at\":\"{past}\"}}");
        using var noZone = await SendAsync(http, HttpMethod.Post, new("/switchover", UriKind.Relative), body: "{\"leader\":\"u4\",\"scheduled_at\":\"2099-01-01T10:00:00\"}");
        using var scheduled = await SendAsync(http, HttpMethod.Post, new("/switchover", UriKind.Relative),
            body: $"{{\"leader\":\"u4\",\"member\":\"u5\",\"scheduled_at\":\"{future:O}\"}}");

        Assert.Equal(HttpStatusCode.BadRequest, failoverNoCandidate.StatusCode);
        Assert.Equal("Failover could be performed only to a specific candidate", await failoverNoCandidate.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, switchoverNoLeader.StatusCode);
        Assert.Equal((HttpStatusCode)422, inThePast.StatusCode);
        Assert.Equal("Cannot schedule switchover in the past", await inThePast.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noZone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scheduled.StatusCode);
        var command = Assert.IsType<SwitchoverCommand>(Assert.Single(api.Sink.Calls));
        Assert.Equal(new SwitchoverCommand(SwitchoverKind.Switchover, "u4", "u5", future), command);
    }

    [Fact]
    public async Task Restart_filters_are_validated_and_body_is_optional()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.36", ApiSnapshots.Leader());
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var restart = new Uri("/restart", UriKind.Relative);

        using var badRole = await SendAsync(http, HttpMethod.Post, restart, body: "{\"role\":\"leader\"}");
        using var badTimeout = await SendAsync(http, HttpMethod.Post, restart, body: "{\"timeout\":0}");
        using var unknown = await SendAsync(http, HttpMethod.Post, restart, body: "{\"when\":\"now\"}");
        using var noBody = await SendAsync(http, HttpMethod.Post, restart, body: "");
        using var filtered = await SendAsync(http, HttpMethod.Post, restart, body: "{\"role\":\"primary\",\"timeout\":\"2min\",\"postgres_version\":\"15.4\",\"restart_pending\":true}");
        using var reinit = await SendAsync(http, HttpMethod.Post, new("/reinitialize", UriKind.Relative), body: "{\"force\":true}");

        Assert.Equal("PostgreSQL role should be either primary or replica", await badRole.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badTimeout.StatusCode);
        Assert.Equal("Unknown filter for the scheduled restart: when", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, noBody.StatusCode);
        Assert.Equal(HttpStatusCode.OK, filtered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reinit.StatusCode);
        Assert.Equal(
            new object[] { new RestartCommand(null, null, null, null, null), new RestartCommand(true, "primary", "15.4", 120, null), ("reinitialize", true) },
            api.Sink.Calls.ToArray());
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, Uri uri, AuthenticationHeaderValue? auth = null, string? body = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = auth;
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }
}
