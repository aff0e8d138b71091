using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Logging;

/// <summary>
/// Patroni's <c>log.format</c>: a Python %-style logging format (<c>%(asctime)s %(levelname)s: %(message)s</c>),
/// compiled once into literal and attribute segments. Attributes NodeAgent has no value for (file and line of the
/// call, function name) are listed in <see cref="Unsupported"/> and render empty.
/// </summary>
internal sealed partial class PythonLogFormat
{
    public const string PatroniDefault = "%(asctime)s %(levelname)s: %(message)s";

    private static readonly HashSet<string> Known =
        ["asctime", "created", "levelname", "levelno", "message", "msecs", "name", "process", "processName", "thread", "threadName"];

    private readonly List<Segment> _segments;

    private PythonLogFormat(List<Segment> segments, IReadOnlyList<string> unsupported)
    {
        _segments = segments;
        Unsupported = unsupported;
    }

    /// <summary>Attributes in the format that NodeAgent cannot fill (Python source locations); each renders empty.</summary>
    public IReadOnlyList<string> Unsupported { get; }

    /// <summary>The attribute names in order of appearance, for the JSON layout (Patroni 3.3's <c>type: json</c>).</summary>
    public IEnumerable<string> Attributes => _segments.Where(s => s.Attribute is not null).Select(s => s.Attribute!).Distinct();

    /// <summary>Compiles <paramref name="format"/>; an error text instead when it is not a valid %-format.</summary>
    public static PythonLogFormat? TryParse(string format, out string? error)
    {
        ArgumentNullException.ThrowIfNull(format);
        var segments = new List<Segment>();
        var unsupported = new List<string>();
        var literal = new StringBuilder();
        error = null;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                literal.Append(format[i]);
                continue;
            }

            if (i + 1 < format.Length && format[i + 1] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }

            var match = Placeholder().Match(format[i..]);
            if (!match.Success)
            {
                error = $"'{format}' is not a Python logging format: expected %(name)s at position {i}";
                return null;
            }

            if (literal.Length > 0)
            {
                segments.Add(new Segment(literal.ToString(), null, false, 0, null));
                literal.Clear();
            }

            var name = match.Groups[1].Value;
            if (!Known.Contains(name) && !unsupported.Contains(name))
            {
                unsupported.Add(name);
            }

            var width = match.Groups[3].Value.Length > 0 ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
            int? precision = match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : null;
            segments.Add(new Segment(null, name, match.Groups[2].Value.Contains('-', StringComparison.Ordinal), width, precision));
            i += match.Length - 1;
        }

        if (literal.Length > 0)
        {
            segments.Add(new Segment(literal.ToString(), null, false, 0, null));
        }

        return new PythonLogFormat(segments, unsupported);
    }

    /// <summary>Writes one record into <paramref name="line"/>; <paramref name="asctime"/> is the already formatted time.</summary>
    public void Render(StringBuilder line, LogRecord record, string asctime)
    {
        foreach (var segment in _segments)
        {
            if (segment.Literal is not null)
            {
                line.Append(segment.Literal);
                continue;
            }

            var value = Value(segment.Attribute!, record, asctime);
            if (segment.Precision is { } precision && value.Length > precision)
            {
                value = value[..precision];
            }

            line.Append(segment.LeftAlign ? value.PadRight(segment.Width) : value.PadLeft(segment.Width));
        }
    }

    /// <summary>The value of one attribute as Python's logging would print it.</summary>
    public static string Value(string attribute, LogRecord record, string asctime) => attribute switch
    {
        "asctime" => asctime,
        "created" => (record.Time.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", CultureInfo.InvariantCulture),
        "levelname" => LevelName(record.Level),
        "levelno" => LevelNumber(record.Level).ToString(CultureInfo.InvariantCulture),
        "message" => record.Message,
        "msecs" => record.Time.Millisecond.ToString(CultureInfo.InvariantCulture),
        "name" => record.Category,
        "process" => Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        "processName" => "MainProcess",
        "thread" => record.ThreadId.ToString(CultureInfo.InvariantCulture),
        "threadName" => $"Thread-{record.ThreadId}",
        _ => "",
    };

    /// <summary>Python's level names; .NET's Trace has none and is shown as DEBUG.</summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    private static int LevelNumber(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => 10,
        LogLevel.Information => 20,
        LogLevel.Warning => 30,
        LogLevel.Error => 40,
        _ => 50,
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^%\((\w+)\)([-#0 +]*)(\d*)(?:\.(\d+))?([sdifr])")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    private sealed record Segment(string? Literal, string? Attribute, bool LeftAlign, int Width, int? Precision);
}
