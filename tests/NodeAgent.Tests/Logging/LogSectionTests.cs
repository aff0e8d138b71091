using NodeAgent.Configuration;
using NodeAgent.Tests.Configuration;

namespace NodeAgent.Tests.Logging;

public sealed class LogSectionTests
{
    private const string Base = "scope: s\nname: n\netcd3:\n  host: e1\npostgresql:\n  data_dir: /d\n  listen: 127.0.0.1:5432\n";

    private static ConfigValidationResult Read(string log) => ConfigLoader.ReadText(Base + "log:\n" + log, SeedConfig.NoEnv, checkMachine: false);

    [Fact]
    public void The_seed_log_section_is_read_and_acted_on_without_warnings()
    {
        var result = Read("  level: INFO\n  dir: /var/log/patroni\n  file_num: 10\n  file_size: 26214400\n  format: '%(asctime)s %(levelname)s: %(message)s'\n" +
            "  dateformat: '%Y-%m-%d %H:%M:%S'\n  traceback_level: DEBUG\n  max_queue_size: 500\n  loggers:\n    NodeAgent.Dcs: DEBUG\n");

        Assert.True(result.IsValid);
        Assert.DoesNotContain(result.Warnings, w => w.Path.StartsWith("log", StringComparison.Ordinal));
        var log = result.Config!.Log;
        Assert.Equal(("/var/log/patroni", 10, 26214400L, 500), (log.Dir, log.FileNum, log.FileSize, log.MaxQueueSize));
    }

    [Theory]
    [InlineData("  type: xml\n", "log.type")]
    [InlineData("  max_queue_size: 0\n", "log.max_queue_size")]
    [InlineData("  file_num: -1\n", "log.file_num")]
    [InlineData("  file_size: -5\n", "log.file_size")]
    [InlineData("  dir: var/log\n", "log.dir")]
    [InlineData("  format: '%(message'\n", "log.format")]
    [InlineData("  loggers:\n    NodeAgent.Dcs: LOUD\n", "log.loggers.NodeAgent.Dcs")]
    public void Bad_values_are_errors_naming_the_key(string log, string key)
    {
        var result = Read(log);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == key);
    }

    [Theory]
    [InlineData("  format: '%(funcName)s %(message)s'\n", "log.format", "funcName")]
    [InlineData("  dateformat: '%c'\n", "log.dateformat", "%c")]
    [InlineData("  loggers:\n    patroni.postgresql: DEBUG\n", "log.loggers.patroni.postgresql", "NodeAgent")]
    public void What_cannot_be_acted_on_is_a_warning_naming_the_key(string log, string key, string mention)
    {
        var result = Read(log);

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings, w => w.Path == key);
        Assert.Contains(mention, warning.Message, StringComparison.Ordinal);
    }
}
