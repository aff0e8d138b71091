namespace NodeAgent.Tests.Ctl;

/// <summary>--help texts equal patronictl 3.0.2's with the program name swapped (Expected/generate_help.sh).</summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("")]
    [InlineData("dsn")]
    [InlineData("edit-config")]
    [InlineData("failover")]
    [InlineData("flush")]
    [InlineData("history")]
    [InlineData("list")]
    [InlineData("pause")]
    [InlineData("query")]
    [InlineData("reinit")]
    [InlineData("reload")]
    [InlineData("remove")]
    [InlineData("restart")]
    [InlineData("resume")]
    [InlineData("show-config")]
    [InlineData("switchover")]
    [InlineData("topology")]
    [InlineData("version")]
    public async Task Help_matches_patronictl(string command)
    {
        string[] args = command.Length == 0 ? ["--help"] : [command, "--help"];

        var result = await CtlHarness.RunAsync("", args);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(CtlScenarios.Expected($"help-{(command.Length == 0 ? "main" : command)}.txt"), result.Out);
    }
}
