using NodeAgent.Ctl;
using NodeAgent.Ctl.Commands;

namespace NodeAgent.Tests.Ctl;

public sealed class EditConfigYamlTests
{
    [Theory]
    [InlineData("ttl: [30\nloop_wait: 10\n")]
    [InlineData("a:\n\tb: 1\n")]
    public void Malformed_yaml_for_edit_config_is_a_ctl_error(string yaml)
    {
        var e = Assert.Throws<CtlException>(() => EditConfigCommand.ParseYaml(yaml));

        Assert.StartsWith("Can not parse the YAML at line ", e.Message, StringComparison.Ordinal);
    }
}
