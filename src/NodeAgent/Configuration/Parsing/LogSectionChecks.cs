using NodeAgent.Logging;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// The <c>log:</c> keys beyond the level: errors for values Patroni's logger would die on, warnings naming what
/// NodeAgent reads but cannot act on (Python source locations in <c>format</c>, Python module names in <c>loggers</c>).
/// </summary>
internal static class LogSectionChecks
{
    public static void Check(ConfigSection s, LogConfig config)
    {
        if (config.Type is not ("plain" or "json"))
        {
            s.Invalid("type", $"'{config.Type}' is not a log type; use plain or json");
        }

        if (config.MaxQueueSize < 1)
        {
            s.Invalid("max_queue_size", $"must be at least 1, got {config.MaxQueueSize}");
        }

        if (config.FileNum is < 0)
        {
            s.Invalid("file_num", $"must not be negative, got {config.FileNum}");
        }

        if (config.FileSize is < 0)
        {
            s.Invalid("file_size", $"must not be negative, got {config.FileSize}");
        }

        if (config.Dir is { Length: > 0 } dir && !Path.IsPathRooted(dir))
        {
            s.Invalid("dir", $"'{dir}' is not an absolute path");
        }

        CheckFormat(s, config.Format);
        var date = PythonDateFormat.Parse(config.DateFormat);
        if (date.Unsupported.Count > 0)
        {
            s.Problems.Warning(s.PathOf("dateformat"), $"{string.Join(", ", date.Unsupported)} not supported (locale-dependent or unknown); printed as nothing");
        }

        foreach (var (name, level) in config.Loggers)
        {
            ServiceSectionMapper.CheckLevel(s, "loggers." + name, level.ToUpperInvariant());
            if (!LogSetup.NamesCategory(name))
            {
                s.Problems.Warning(s.PathOf("loggers." + name),
                    $"not acted on: names no NodeAgent log category; use a category under {string.Join(", ", LogSetup.CategoryRoots)} (e.g. NodeAgent.Dcs)");
            }
        }
    }

    private static void CheckFormat(ConfigSection s, string? format)
    {
        if (string.IsNullOrEmpty(format))
        {
            return;
        }

        var parsed = PythonLogFormat.TryParse(format, out var error);
        if (parsed is null)
        {
            s.Invalid("format", error!);
        }
        else if (parsed.Unsupported.Count > 0)
        {
            s.Problems.Warning(s.PathOf("format"),
                $"not acted on: %({string.Join(")s, %(", parsed.Unsupported)})s (Python source locations) have no value in NodeAgent and print as nothing");
        }
    }
}
