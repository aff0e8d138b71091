using System.Diagnostics;
using NodeAgent.Configuration;

namespace NodeAgent.Tests.Packaging;

/// <summary>packaging/haproxy/haproxy.cfg is a config HAProxy accepts, laid out as the routing push expects by default.</summary>
public sealed class HaproxyConfigTests
{
    private static readonly string ConfigPath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "haproxy.cfg");

    private static readonly string[] Lines = File.ReadAllLines(ConfigPath);

    private static readonly string[] SeedMembers = ["u4", "u5", "u6"];

    [Fact]
    public async Task Haproxy_accepts_it()
    {
        const string haproxy = "/usr/sbin/haproxy";
        Assert.True(File.Exists(haproxy), $"{haproxy} is missing (apt-get install haproxy)");
        using var check = Process.Start(new ProcessStartInfo(haproxy, ["-c", "-f", ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = check.StandardOutput.ReadToEndAsync();
        var stderr = await check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();

        Assert.True(check.ExitCode == 0, $"haproxy -c: exit {check.ExitCode}\n{await stdout}{stderr}");
    }

    [Fact]
    public void Its_backends_are_the_ones_the_push_names_by_default_with_one_server_per_member()
    {
        var defaults = new HaproxyRuntimeConfig();

        Assert.Equal(SeedMembers, Servers(defaults.PrimaryBackend));
        Assert.Equal(SeedMembers, Servers(defaults.ReplicaBackend));
    }

    [Fact]
    public void It_opens_the_runtime_api_at_admin_level_and_checks_every_server_through_the_agent()
    {
        Assert.Contains(Lines, l => l.Trim().StartsWith("stats socket /", StringComparison.Ordinal) && l.Contains("level admin", StringComparison.Ordinal));
        Assert.Equal("option httpchk OPTIONS /master", Section("primary").Single(l => l.StartsWith("option httpchk", StringComparison.Ordinal)));
        Assert.Equal("option httpchk OPTIONS /replica", Section("replica").Single(l => l.StartsWith("option httpchk", StringComparison.Ordinal)));
        foreach (var backend in new[] { "primary", "replica" })
        {
            var defaultServer = Section(backend).Single(l => l.StartsWith("default-server", StringComparison.Ordinal));
            Assert.Contains("on-marked-down shutdown-sessions", defaultServer, StringComparison.Ordinal);
            Assert.Contains("fastinter", defaultServer, StringComparison.Ordinal);
            Assert.Contains("downinter", defaultServer, StringComparison.Ordinal);
        }
    }

    private static List<string> Servers(string backend) =>
        [.. Section(backend).Where(l => l.StartsWith("server ", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])];

    /// <summary>The trimmed lines of one <c>listen</c> or <c>backend</c> section, comments left out.</summary>
    private static List<string> Section(string name)
    {
        var start = Array.FindIndex(Lines, l => l.Trim() == $"listen {name}" || l.Trim() == $"backend {name}");
        Assert.True(start >= 0, $"no 'listen {name}' or 'backend {name}' section");
        return [.. Lines.Skip(start + 1)
            .TakeWhile(l => l.Length == 0 || char.IsWhiteSpace(l[0]) || l.StartsWith('#'))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))];
    }
}
