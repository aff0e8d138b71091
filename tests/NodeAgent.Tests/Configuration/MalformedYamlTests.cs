using NodeAgent.Configuration;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Tests.Configuration;

/// <summary>Malformed YAML is one located error, never an exception escaping the loader.</summary>
public sealed class MalformedYamlTests
{
    private static ConfigProblem SingleError(string yaml, out string path)
    {
        using var file = new TempConfigFile(yaml);
        path = file.Path;
        var result = ConfigLoader.Read(file.Path, SeedConfig.NoEnv, checkMachine: false);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Unclosed_flow_sequence_followed_by_a_line_is_one_error_naming_file_line_column_and_key()
    {
        // YamlDotNet throws InvalidOperationException here, not a YamlException.
        var error = SingleError("scope: [PGC1\nname: u4\n", out var path);

        Assert.Equal("scope", error.Path);
        Assert.Equal(path, error.Source);
        Assert.Equal(2, error.Line);
        Assert.True(error.Column > 0);
        Assert.Contains("line 1, column 8", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"error: {path}:2:", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.ToString());
    }

    [Fact]
    public void A_tab_on_line_5_is_reported_on_line_5_with_its_key()
    {
        var error = SingleError("scope: a\nname: b\nrestapi:\n  listen: x:1\n\tconnect_address: y:2\n", out _);

        Assert.Equal(5, error.Line);
        Assert.Equal(1, error.Column);
        Assert.Equal("restapi.connect_address", error.Path);
    }

    [Theory]
    [InlineData("a: *nothing\n", "a")]
    [InlineData("a: 1\na: 2\n", "a")]
    [InlineData("a:\n  b: {c: 1\n", "a.b")]
    [InlineData("? [a, b]\n: 1\n", "(document)")]
    public void Other_malformed_documents_name_a_key(string yaml, string key)
    {
        Assert.Equal(key, SingleError(yaml, out _).Path);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_it_can_overflow_the_stack()
    {
        var deep = "a: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var e = Assert.Throws<YamlSyntaxException>(() => YamlTree.ParseMapping(deep));

        Assert.Contains("nested more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_expansion_is_bounded()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 9; i++)
        {
            lines.Add($"a{i}: &a{i} [" + string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10)) + "]");
        }

        var e = Assert.Throws<YamlSyntaxException>(() => YamlTree.ParseMapping(string.Join("\n", lines)));

        Assert.Contains("expands to more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_config_prints_one_line_per_problem_and_no_stack_trace()
    {
        using var file = new TempConfigFile("scope: [PGC1\nname: u4\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await NodeAgent.Hosting.AgentCommandLine.ValidateConfigAsync(file.Path, SeedConfig.NoEnv, stdout, stderr);

        Assert.Equal(1, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"error: {file.Path}:2:", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agentctl_reports_a_malformed_file_as_an_error_not_a_crash()
    {
        using var file = new TempConfigFile("scope: [PGC1\nname: u4\n");

        var result = await NodeAgent.Tests.Ctl.CtlHarness.RunAsync("", "-c", file.Path, "list");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"Error: Can not parse {file.Path}:2:", result.Err, StringComparison.Ordinal);
        Assert.Contains("scope: ", result.Err, StringComparison.Ordinal);
    }
}
