using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class ConfigValidatorTests
{
    private static ConfigValidationResult Check(string yaml) => ConfigLoader.ReadText(yaml, SeedConfig.NoEnv, checkMachine: false);

    private static ConfigProblem SingleError(string yaml)
    {
        var result = Check(yaml);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Indentation_error_reports_line_and_column()
    {
        var error = SingleError(SeedConfig.Replace("    loop_wait: 10", "      loop_wait: 10"));

        // The offending line is 17; the parser may point at the scalar that starts on 16.
        Assert.InRange(error.Line, 16, 17);
        Assert.True(error.Column > 0);
        Assert.StartsWith("bootstrap.dcs.", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_integer_ttl_names_the_key()
    {
        var error = SingleError(SeedConfig.Replace("ttl: 30", "ttl: abc"));

        Assert.Equal("bootstrap.dcs.ttl", error.Path);
    }

    [Fact]
    public void Missing_scope_is_an_error()
    {
        Assert.Equal("scope", SingleError(SeedConfig.Replace("scope: PGC1\n", "")).Path);
    }

    [Fact]
    public void Missing_name_is_an_error()
    {
        Assert.Equal("name", SingleError(SeedConfig.Replace("name: u4\n", "")).Path);
    }

    [Fact]
    public void Timing_rule_violation_names_retry_timeout()
    {
        var error = SingleError(SeedConfig.Replace("retry_timeout: 10", "retry_timeout: 20"));

        Assert.Equal("bootstrap.dcs.retry_timeout", error.Path);
        Assert.Contains("50 > 30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_v2_section_is_rejected()
    {
        var error = SingleError(SeedConfig.Replace("etcd3:", "etcd:"));

        Assert.Equal("etcd", error.Path);
        Assert.Contains("only etcd3 is supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_etcd3_is_an_error()
    {
        var error = SingleError(SeedConfig.Replace("etcd3:\n  hosts: 192.168.0.81:2379,192.168.0.82:2379,192.168.0.83:2379\n", ""));

        Assert.Equal("etcd3", error.Path);
    }

    [Theory]
    [InlineData("off", WatchdogMode.Off)]
    [InlineData("disable", WatchdogMode.Off)]
    [InlineData("disabled", WatchdogMode.Off)]
    [InlineData("'off'", WatchdogMode.Off)]
    [InlineData("auto", WatchdogMode.Automatic)]
    [InlineData("automatic", WatchdogMode.Automatic)]
    [InlineData("require", WatchdogMode.Required)]
    [InlineData("Required", WatchdogMode.Required)]
    public void Watchdog_mode_aliases(string written, WatchdogMode expected)
    {
        var result = Check(SeedConfig.Replace("mode: automatic", "mode: " + written));

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal(expected, result.Config!.Watchdog.Mode);
    }

    [Fact]
    public void Unknown_watchdog_mode_is_an_error()
    {
        Assert.Equal("watchdog.mode", SingleError(SeedConfig.Replace("mode: automatic", "mode: sometimes")).Path);
    }

    [Theory]
    [InlineData("listen: 0.0.0.0:8008", "listen: 0.0.0.0", "restapi.listen")]
    [InlineData("listen: 0.0.0.0:5432", "listen: 0.0.0.0:-1", "postgresql.listen")]
    [InlineData("listen: 0.0.0.0:5432", "listen: 0.0.0.0:abc", "postgresql.listen")]
    [InlineData("listen: 0.0.0.0:5432", "listen: 0.0.0.0:70000", "postgresql.listen")]
    [InlineData("listen: 0.0.0.0:8008", "listen: ':8008'", "restapi.listen")]
    public void Bad_listen_is_an_error(string oldText, string newText, string path)
    {
        Assert.Equal(path, SingleError(SeedConfig.Replace(oldText, newText)).Path);
    }

    [Fact]
    public void Unknown_keys_are_warnings_with_their_path()
    {
        var result = Check(SeedConfig.Replace("  safety_margin: 5", "  safety_margin: 5\n  colour: blue"));

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Path == "watchdog.colour");
    }

    [Fact]
    public void Watchdog_without_slack_fails_only_when_required()
    {
        var automatic = Check(SeedConfig.Replace("safety_margin: 5", "safety_margin: 25"));
        var required = Check(SeedConfig.Replace("safety_margin: 5", "safety_margin: 25").Replace("mode: automatic", "mode: required", StringComparison.Ordinal));

        Assert.True(automatic.IsValid);
        Assert.Contains(automatic.Warnings, w => w.Path == "watchdog.safety_margin");
        Assert.Equal("watchdog.safety_margin", Assert.Single(required.Errors).Path);
    }

    [Fact]
    public void Empty_document_is_an_error()
    {
        Assert.False(Check("# nothing\n").IsValid);
    }

    [Fact]
    public void Machine_checks_warn_about_missing_bin_dir_and_foreign_address()
    {
        var result = ConfigLoader.ReadText(SeedConfig.Text, SeedConfig.NoEnv, checkMachine: true);

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Path == "postgresql.bin_dir" && w.Message.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Path == "postgresql.connect_address");
    }

    [Fact]
    public void Bin_dir_lacking_binaries_names_them()
    {
        var dir = Directory.CreateTempSubdirectory("na-bin-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "pg_ctl"), "");
            var result = ConfigLoader.ReadText(SeedConfig.Replace("/usr/lib/postgresql/16/bin", dir.FullName), SeedConfig.NoEnv);

            var warning = Assert.Single(result.Warnings, w => w.Path == "postgresql.bin_dir");
            Assert.Contains("initdb", warning.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("pg_ctl,", warning.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
