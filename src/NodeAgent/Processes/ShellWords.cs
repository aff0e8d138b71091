using System.Text;

namespace NodeAgent.Processes;

/// <summary>
/// Splits a command line into words as Python's <c>shlex.split</c> does (POSIX mode, no comments), which is how
/// Patroni turns <c>callbacks</c> and <c>pre_promote</c> strings into argv: no shell runs them.
/// </summary>
internal static class ShellWords
{
    public static IReadOnlyList<string> Split(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < commandLine.Length; i++)
        {
            var c = commandLine[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            switch (c)
            {
                case '\\':
                    word.Append(++i < commandLine.Length ? commandLine[i] : throw new FormatException("no escaped character"));
                    break;
                case '\'':
                    var close = commandLine.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException("no closing quotation");
                    }

                    word.Append(commandLine, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    i = DoubleQuoted(commandLine, i + 1, word);
                    break;
                default:
                    word.Append(c);
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>Inside double quotes a backslash escapes only <c>"</c> and <c>\</c> (shlex's escapedquotes); returns the closing quote's index.</summary>
    private static int DoubleQuoted(string s, int i, StringBuilder word)
    {
        for (; i < s.Length; i++)
        {
            if (s[i] == '"')
            {
                return i;
            }

            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is '"' or '\\')
            {
                i++;
            }

            word.Append(s[i]);
        }

        throw new FormatException("no closing quotation");
    }
}
