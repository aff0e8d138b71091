using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Logging;

/// <summary>
/// Turns a record into one line as Patroni's logger would: its <c>format</c> and <c>dateformat</c>, a plain or a
/// JSON layout (<c>type: json</c>, Patroni 3.3), and the exception after the message. With
/// <c>traceback_level: DEBUG</c> the stack is shown only while debug logging is on, otherwise the error's text
/// follows as <c>, DETAIL: '...'</c> (<c>log.py:debug_exception</c>).
/// </summary>
internal sealed class LogLineFormatter(PythonLogFormat format, PythonDateFormat dateFormat, bool json, bool tracebackOnlyAtDebug, LogLevel minimumLevel)
{
    private readonly bool _detailOnly = tracebackOnlyAtDebug && minimumLevel > LogLevel.Debug;

    public string Format(LogRecord record)
    {
        var asctime = dateFormat.Format(record.Time);
        var message = record.Exception is { } e && _detailOnly ? $"{record.Message}, DETAIL: '{e.Message}'" : record.Message;
        var shown = record with { Message = message };
        var line = new StringBuilder(128);
        if (json)
        {
            line.Append(Json(shown, asctime));
        }
        else
        {
            format.Render(line, shown, asctime);
        }

        if (record.Exception is { } exception && !_detailOnly && !json)
        {
            line.Append('\n').Append(exception);
        }

        return line.ToString();
    }

    private string Json(LogRecord record, string asctime)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var attribute in format.Attributes)
            {
                writer.WriteString(attribute, PythonLogFormat.Value(attribute, record, asctime));
            }

            if (record.Exception is { } exception && !_detailOnly)
            {
                writer.WriteString("exc_info", exception.ToString());
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
