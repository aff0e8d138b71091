using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// A first pass over the parser's events, which are produced without recursion: any failure of YamlDotNet
/// (it also throws InvalidOperationException and others on some malformed input, e.g. an unclosed <c>[</c>)
/// becomes a <see cref="YamlSyntaxException"/> with a line, a column and the key it belongs to; and nesting
/// too deep for the recursive node builder is refused before it can overflow the stack.
/// </summary>
internal static class YamlSyntaxCheck
{
    public const int MaxDepth = 64;

    public static void Run(string text)
    {
        using var reader = new StringReader(text);
        var scanner = new Scanner(reader);
        var parser = new Parser(scanner);
        var open = new Stack<NodeEvent>();
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current is NodeEvent { Anchor.IsEmpty: false } anchored)
                {
                    anchors.Add(anchored.Anchor.Value);
                }

                switch (parser.Current)
                {
                    case AnchorAlias alias when !anchors.Contains(alias.Value.Value):
                        throw Located(text, alias.Start.Line, alias.Start.Column, $"the alias *{alias.Value.Value} names no anchor defined before it");
                    case MappingStart or SequenceStart:
                        open.Push((NodeEvent)parser.Current);
                        if (open.Count > MaxDepth)
                        {
                            throw Located(text, parser.Current.Start.Line, parser.Current.Start.Column, $"nested more than {MaxDepth} levels deep");
                        }

                        break;
                    case MappingEnd or SequenceEnd:
                        open.TryPop(out _);
                        break;
                }
            }
        }
        catch (YamlSyntaxException)
        {
            throw;
        }
        catch (YamlException e)
        {
            var message = e.InnerException is YamlException inner ? $"{e.Message} ({inner.Message})" : e.Message;
            var (line, column) = TabPosition(text, message, e.Start, e.End) ?? (e.Start.Line, e.Start.Column);
            throw Located(text, line, column, StripLocation(message));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not a YamlException, so YamlDotNet says nothing useful: the scanner's position and an unclosed
            // flow collection (the usual cause) tell the operator where to look.
            var at = scanner.CurrentPosition;
            var flow = open.FirstOrDefault(n => n is MappingStart { Style: MappingStyle.Flow } or SequenceStart { Style: SequenceStyle.Flow });
            var message = flow is null
                ? "malformed YAML"
                : $"malformed YAML: the flow collection ('[' or '{{') opened at line {flow.Start.Line}, column {flow.Start.Column} is not closed properly";
            var keyLine = flow?.Start.Line ?? at.Line;
            throw new YamlSyntaxException(at.Line, at.Column, message) { Key = YamlKeyLocator.KeyAt(text, keyLine) };
        }
    }

    private static YamlSyntaxException Located(string text, long line, long column, string message) =>
        new(line, column, message) { Key = YamlKeyLocator.KeyAt(text, line) };

    /// <summary>YamlDotNet reports a misplaced tab at the start of the scalar it was scanning; point at the tab itself.</summary>
    private static (long Line, long Column)? TabPosition(string text, string message, Mark start, Mark end)
    {
        if (!message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var lines = text.Split('\n');
        for (var line = Math.Max(start.Line, 1); line <= Math.Min(end.Line, lines.Length); line++)
        {
            var content = lines[line - 1];
            var indent = content.Length - content.TrimStart(' ', '\t').Length;
            var tab = content.IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && (tab < indent || line > start.Line))
            {
                return (line, tab + 1);
            }
        }

        return end.Line > start.Line ? (end.Line, end.Column) : null;
    }

    private static string StripLocation(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 40) - (Line: ...): "; the location is reported separately.
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0 ? message[(cut + 3)..] : message;
    }
}
