using NodeAgent.Ctl.Output;

namespace NodeAgent.Tests.Ctl;

public sealed class HistoryAndConfigTests
{
    [Theory]
    [InlineData("pretty")]
    [InlineData("tsv")]
    [InlineData("json")]
    [InlineData("yaml")]
    public void History_matches_patronictl(string format)
    {
        Assert.True(OutputPrinter.TryParseFormat(format, out var fmt));

        var actual = HistoryRenderer.Render(CtlScenarios.View("basic"), fmt);

        Assert.Equal(CtlScenarios.Expected($"history-basic-{format}.txt"), actual);
    }

    [Theory]
    [InlineData("basic")]
    [InlineData("ports")]
    [InlineData("standby")]
    public void Show_config_matches_patronictl(string scenario)
    {
        var actual = ConfigRenderer.Render(CtlScenarios.View(scenario));

        Assert.Equal(CtlScenarios.Expected($"show-config-{scenario}.txt"), actual);
    }
}
