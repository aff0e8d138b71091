using System.Globalization;
using System.Text;

namespace NodeAgent.Logging;

/// <summary>
/// Patroni's <c>log.dateformat</c>: a C <c>strftime</c> pattern for <c>%(asctime)s</c>. Without one, Python's
/// logging prints <c>2024-05-01 12:00:00,123</c> (local time, milliseconds after a comma), and so does this.
/// Directives with no fixed meaning here (locale forms such as <c>%c</c>, <c>%x</c>) are listed in <see cref="Unsupported"/>.
/// </summary>
internal sealed class PythonDateFormat
{
    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private readonly string? _pattern;

    private PythonDateFormat(string? pattern, IReadOnlyList<string> unsupported)
    {
        _pattern = pattern;
        Unsupported = unsupported;
    }

    public IReadOnlyList<string> Unsupported { get; }

    /// <summary>A null or empty pattern is Python's default (Patroni turns an empty <c>dateformat</c> into None too).</summary>
    public static PythonDateFormat Parse(string? pattern)
    {
        var unsupported = new List<string>();
        if (!string.IsNullOrEmpty(pattern))
        {
            for (var i = 0; i < pattern.Length - 1; i++)
            {
                if (pattern[i] == '%')
                {
                    var d = pattern[i + 1];
                    if (!"YmdHMSybBaAjpIzZf%eTFDR".Contains(d, StringComparison.Ordinal))
                    {
                        unsupported.Add("%" + d);
                    }

                    i++;
                }
            }
        }

        return new PythonDateFormat(string.IsNullOrEmpty(pattern) ? null : pattern, unsupported);
    }

    public string Format(DateTimeOffset time)
    {
        if (_pattern is null)
        {
            return time.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
        }

        var text = new StringBuilder(_pattern.Length + 16);
        for (var i = 0; i < _pattern.Length; i++)
        {
            if (_pattern[i] != '%' || i == _pattern.Length - 1)
            {
                text.Append(_pattern[i]);
                continue;
            }

            i++;
            text.Append(Directive(_pattern[i], time));
        }

        return text.ToString();
    }

    private static string Directive(char d, DateTimeOffset t) => d switch
    {
        'Y' => t.Year.ToString("D4", CultureInfo.InvariantCulture),
        'y' => (t.Year % 100).ToString("D2", CultureInfo.InvariantCulture),
        'm' => t.Month.ToString("D2", CultureInfo.InvariantCulture),
        'd' => t.Day.ToString("D2", CultureInfo.InvariantCulture),
        'e' => t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
        'H' => t.Hour.ToString("D2", CultureInfo.InvariantCulture),
        'I' => ((t.Hour + 11) % 12 + 1).ToString("D2", CultureInfo.InvariantCulture),
        'p' => t.Hour < 12 ? "AM" : "PM",
        'M' => t.Minute.ToString("D2", CultureInfo.InvariantCulture),
        'S' => t.Second.ToString("D2", CultureInfo.InvariantCulture),
        'f' => (t.Millisecond * 1000).ToString("D6", CultureInfo.InvariantCulture),
        'j' => t.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
        'b' => Months[t.Month - 1][..3],
        'B' => Months[t.Month - 1],
        'a' => t.DayOfWeek.ToString()[..3],
        'A' => t.DayOfWeek.ToString(),
        'z' => t.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal),
        'Z' => t.Offset == TimeSpan.Zero ? "UTC" : t.ToString("zzz", CultureInfo.InvariantCulture),
        'T' => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
        'F' => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        'D' => t.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
        'R' => t.ToString("HH:mm", CultureInfo.InvariantCulture),
        '%' => "%",
        _ => "",
    };
}
