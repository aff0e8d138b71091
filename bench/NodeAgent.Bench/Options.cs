using System.Globalization;

namespace NodeAgent.Bench;

/// <summary>The <c>--name value</c> pairs after the command word; every option is required unless a default is given.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var arg in args)
        {
            if (name is null)
            {
                if (!arg.StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"expected an option, got '{arg}'");
                }

                name = arg[2..];
            }
            else
            {
                _values[name] = arg;
                name = null;
            }
        }

        if (name is not null)
        {
            throw new ArgumentException($"option --{name} needs a value");
        }
    }

    public string Text(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var value) ? value
        : fallback ?? throw new ArgumentException($"missing --{name}");

    public long Long(string name, long? fallback = null) =>
        _values.TryGetValue(name, out var value) ? long.Parse(value, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"missing --{name}");

    public IReadOnlyList<string> List(string name) =>
        Text(name).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
