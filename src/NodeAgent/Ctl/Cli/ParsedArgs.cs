using System.Globalization;

using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Cli;

/// <summary>The options and positional arguments given to one command, by option key and argument name.</summary>
internal sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _arguments = new(StringComparer.Ordinal);

    public void AddOption(string key, string value)
    {
        if (!_options.TryGetValue(key, out var list))
        {
            _options[key] = list = [];
        }

        list.Add(value);
    }

    public void SetArgument(string name, List<string> values) => _arguments[name] = values;

    public bool Flag(string key) => _options.ContainsKey(key);

    /// <summary>The last value given (click keeps the last one for single-valued options).</summary>
    public string? Value(string key) => _options.TryGetValue(key, out var list) ? list[^1] : null;

    public IReadOnlyList<string> Values(string key) => _options.TryGetValue(key, out var list) ? list : [];

    public string? Argument(string name) => _arguments.TryGetValue(name, out var list) && list.Count > 0 ? list[0] : null;

    public IReadOnlyList<string> Arguments(string name) => _arguments.TryGetValue(name, out var list) ? list : [];

    public double? Number(string key)
    {
        var text = Value(key);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new CtlUsageException($"Invalid value for '{key}': '{text}' is not a valid float.");
    }
}
