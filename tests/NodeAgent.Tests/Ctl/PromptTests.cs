using NodeAgent.Ctl;

namespace NodeAgent.Tests.Ctl;

/// <summary>click's prompt and confirm, answered from a non-terminal stdin.</summary>
public sealed class PromptTests
{
    private static (CtlConsole Console, StringWriter Out, StringWriter Err) Console(string input)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (new CtlConsole(new StringReader(input), output, error), output, error);
    }

    [Fact]
    public void Prompt_shows_the_default_and_takes_it_on_an_empty_answer()
    {
        var (console, output, _) = Console("\n");

        Assert.Equal("pg1", console.Prompt("Primary", "pg1"));
        Assert.Equal("Primary [pg1]: ", output.ToString());
    }

    [Fact]
    public void Prompt_with_an_empty_default_shows_empty_brackets()
    {
        var (console, output, _) = Console("pg2\n");

        Assert.Equal("pg2", console.Prompt("Candidate ['pg2', 'pg3']", ""));
        Assert.Equal("Candidate ['pg2', 'pg3'] []: ", output.ToString());
    }

    [Fact]
    public void Prompt_without_default_asks_again_on_an_empty_answer()
    {
        var (console, output, _) = Console("\nPGC1\n");

        Assert.Equal("PGC1", console.Prompt("Please confirm the cluster name to remove"));
        Assert.Equal("Please confirm the cluster name to remove: Please confirm the cluster name to remove: ", output.ToString());
    }

    [Theory]
    [InlineData("y\n", true)]
    [InlineData("YES\n", true)]
    [InlineData("\n", false)]
    [InlineData("n\n", false)]
    public void Confirm_defaults_to_no(string input, bool expected)
    {
        var (console, output, _) = Console(input);

        Assert.Equal(expected, console.Confirm("Apply these changes?"));
        Assert.Equal("Apply these changes? [y/N]: ", output.ToString());
    }

    [Fact]
    public void Confirm_rejects_other_answers_and_asks_again()
    {
        var (console, _, error) = Console("maybe\ny\n");

        Assert.True(console.Confirm("Sure?"));
        Assert.Equal("Error: invalid input\n", error.ToString());
    }

    [Fact]
    public void End_of_input_aborts()
    {
        var (console, _, _) = Console("");

        Assert.Throws<CtlAbortedException>(() => console.Confirm("Sure?"));
    }
}
