using System.Text;
using Microsoft.Extensions.Logging;
using NodeAgent.Logging;

namespace NodeAgent.Tests.Logging;

public sealed class PythonLogFormatTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 5, 6, 7, 89, TimeSpan.Zero);

    private static LogRecord Record(string message = "no action. I am (u4), the leader with the lock", Exception? e = null) =>
        new(At, LogLevel.Information, "NodeAgent.Ha.HaLoop", message, e, 7);

    private static string Render(string format, string? dateFormat = null)
    {
        var parsed = PythonLogFormat.TryParse(format, out var error) ?? throw new InvalidOperationException(error);
        var line = new StringBuilder();
        parsed.Render(line, Record(), PythonDateFormat.Parse(dateFormat).Format(At));
        return line.ToString();
    }

    [Fact]
    public void Patroni_default_format_prints_time_with_milliseconds_level_and_message() =>
        Assert.Equal("2026-03-04 05:06:07,089 INFO: no action. I am (u4), the leader with the lock", Render(PythonLogFormat.PatroniDefault));

    [Theory]
    [InlineData("%(levelname)-8s|%(name)s", "INFO    |NodeAgent.Ha.HaLoop")]
    [InlineData("%(levelname)8s", "    INFO")]
    [InlineData("%(levelname).1s %(levelno)d 100%%", "I 20 100%")]
    [InlineData("[%(process)d] %(message)s", "[PID] no action. I am (u4), the leader with the lock")]
    public void Widths_precision_and_attributes_follow_python(string format, string expected) =>
        Assert.Equal(expected.Replace("PID", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), Render(format));

    [Theory]
    [InlineData("%Y-%m-%dT%H:%M:%S%z", "2026-03-04T05:06:07+0000")]
    [InlineData("%d %b %Y %I:%M %p", "04 Mar 2026 05:06 AM")]
    [InlineData("%a %B %j", "Wed March 063")]
    public void Dateformat_is_strftime(string dateFormat, string expected) =>
        Assert.Equal(expected, Render("%(asctime)s", dateFormat));

    [Fact]
    public void Source_location_attributes_are_reported_as_unsupported_and_print_nothing()
    {
        var parsed = PythonLogFormat.TryParse("%(filename)s:%(lineno)d %(message)s", out _)!;

        Assert.Equal(["filename", "lineno"], parsed.Unsupported);
        Assert.Equal(": x", RenderWith(parsed, "x"));
    }

    [Theory]
    [InlineData("%(message)")]
    [InlineData("%s")]
    [InlineData("100% done")]
    public void A_broken_format_is_an_error(string format)
    {
        Assert.Null(PythonLogFormat.TryParse(format, out var error));
        Assert.Contains(format, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Traceback_level_debug_shows_only_the_error_text_when_debug_is_off()
    {
        var format = PythonLogFormat.TryParse(PythonLogFormat.PatroniDefault, out _)!;
        var error = new InvalidOperationException("boom");
        var quiet = new LogLineFormatter(format, PythonDateFormat.Parse(null), json: false, tracebackOnlyAtDebug: true, LogLevel.Information);
        var debug = new LogLineFormatter(format, PythonDateFormat.Parse(null), json: false, tracebackOnlyAtDebug: true, LogLevel.Debug);

        Assert.EndsWith("ERROR: clone failed, DETAIL: 'boom'", quiet.Format(Record("clone failed", error) with { Level = LogLevel.Error }), StringComparison.Ordinal);
        Assert.Contains("\nSystem.InvalidOperationException: boom", debug.Format(Record("clone failed", error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_type_writes_one_object_with_the_format_attributes()
    {
        var format = PythonLogFormat.TryParse("%(asctime)s %(levelname)s %(message)s", out _)!;
        var json = new LogLineFormatter(format, PythonDateFormat.Parse("%H:%M:%S"), json: true, tracebackOnlyAtDebug: false, LogLevel.Information);

        var line = json.Format(Record("a \"quoted\" word"));

        Assert.Equal("{\"asctime\":\"05:06:07\",\"levelname\":\"INFO\",\"message\":\"a \\u0022quoted\\u0022 word\"}", line);
    }

    private static string RenderWith(PythonLogFormat format, string message)
    {
        var line = new StringBuilder();
        format.Render(line, Record(message), "");
        return line.ToString();
    }
}
