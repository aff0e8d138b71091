using NodeAgent.Hosting;
using NodeAgent.Tests.Configuration;

namespace NodeAgent.Tests.Hosting;

/// <summary>SIGHUP with a broken file keeps the running config: the reload is rejected with the reason, never thrown.</summary>
public sealed class ConfigReloaderTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    [Fact]
    public void A_broken_file_is_rejected_with_file_line_and_key()
    {
        using var file = new TempConfigFile("scope: [PGC1\nname: u4\n");

        var reload = ConfigReloader.Read(file.Path, NoEnv);

        Assert.Null(reload.Config);
        Assert.Contains($"{file.Path}:2:", reload.Rejection, StringComparison.Ordinal);
        Assert.Contains("scope", reload.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_deleted_since_start_is_rejected()
    {
        var reload = ConfigReloader.Read("/nonexistent/config.yml", NoEnv);

        Assert.Null(reload.Config);
        Assert.Contains("does not exist", reload.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_file_is_taken_with_its_warnings()
    {
        using var file = new TempConfigFile(SeedConfig.Text);

        var reload = ConfigReloader.Read(file.Path, NoEnv);

        Assert.NotNull(reload.Config);
        Assert.Null(reload.Rejection);
        Assert.Equal("/var/log/patroni", reload.Config.Log.Dir); // acted on now: no warning for it
        Assert.DoesNotContain(reload.Warnings, w => w.Path == "log.dir");
    }
}
