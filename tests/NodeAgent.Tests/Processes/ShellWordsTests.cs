using NodeAgent.Processes;

namespace NodeAgent.Tests.Processes;

/// <summary>The words Python's shlex.split gives for the same command lines (Patroni's callbacks and pre_promote).</summary>
public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("/usr/local/bin/cb.sh", new[] { "/usr/local/bin/cb.sh" })]
    [InlineData("  /bin/cb   --flag  x ", new[] { "/bin/cb", "--flag", "x" })]
    [InlineData("/bin/cb 'two words' \"and \\\"three\\\" words\"", new[] { "/bin/cb", "two words", "and \"three\" words" })]
    [InlineData("/bin/cb 'it\\s' a\\ b", new[] { "/bin/cb", "it\\s", "a b" })]
    [InlineData("/bin/cb \"a\\nb\" pre'fix'post", new[] { "/bin/cb", "a\\nb", "prefixpost" })]
    [InlineData("/bin/cb '' x", new[] { "/bin/cb", "", "x" })]
    [InlineData("", new string[0])]
    public void Splits_as_shlex(string line, string[] words) => Assert.Equal(words, ShellWords.Split(line));

    [Theory]
    [InlineData("/bin/cb 'open")]
    [InlineData("/bin/cb \"open")]
    [InlineData("/bin/cb \\")]
    public void Unbalanced_quotes_are_refused(string line) => Assert.Throws<FormatException>(() => ShellWords.Split(line));
}
