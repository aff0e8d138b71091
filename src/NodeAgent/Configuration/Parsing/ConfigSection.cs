using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// A path-aware view of one mapping of the tree. Every read marks its key as known, so keys nobody read
/// can be reported as unknown; every type mismatch is recorded with the full key path.
/// </summary>
internal sealed class ConfigSection
{
    private readonly JsonObject _json;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public ConfigSection(JsonObject json, string path, ConfigProblems problems, ConfigSeverity typeSeverity = ConfigSeverity.Error)
    {
        _json = json;
        Path = path;
        Problems = problems;
        TypeSeverity = typeSeverity;
    }

    public string Path { get; }

    public ConfigProblems Problems { get; }

    /// <summary>Error when checking a file; Warning when reading the config key from etcd (tolerant).</summary>
    public ConfigSeverity TypeSeverity { get; }

    public JsonObject Json => _json;

    public string PathOf(string key) => Path.Length == 0 ? key : Path + "." + key;

    public bool Has(string key) => _json.TryGetPropertyValue(key, out var v) && v is not null;

    /// <summary>The raw value (null when absent or null); marks the key as known.</summary>
    public JsonNode? Raw(string key)
    {
        _known.Add(key);
        return _json.TryGetPropertyValue(key, out var v) ? v : null;
    }

    public void MarkKnown(params string[] keys)
    {
        foreach (var key in keys)
        {
            _known.Add(key);
        }
    }

    public void Invalid(string key, string message) => Problems.Add(TypeSeverity, PathOf(key), message);

    public string? String(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (JsonScalars.TryGetText(node, out var text))
        {
            return text;
        }

        Invalid(key, $"expected a string, got {JsonScalars.Describe(node)}");
        return null;
    }

    public string String(string key, string fallback) => String(key) ?? fallback;

    public int Int(string key, int fallback) => OptionalInt(key) ?? fallback;

    public int? OptionalInt(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (JsonScalars.TryGetInt(node, out var value))
        {
            return value;
        }

        Invalid(key, $"expected an integer, got {JsonScalars.Describe(node)}");
        return null;
    }

    public long Long(string key, long fallback) => OptionalLong(key) ?? fallback;

    public long? OptionalLong(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (JsonScalars.TryGetLong(node, out var value))
        {
            return value;
        }

        Invalid(key, $"expected an integer, got {JsonScalars.Describe(node)}");
        return null;
    }

    public bool Bool(string key, bool fallback) => OptionalBool(key) ?? fallback;

    public bool? OptionalBool(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (JsonScalars.TryGetBool(node, out var value))
        {
            return value;
        }

        Invalid(key, $"expected a boolean, got {JsonScalars.Describe(node)}");
        return null;
    }

    /// <summary>A list of strings; a scalar counts as a one-element list, or as comma-separated when <paramref name="splitCommas"/>.</summary>
    public IReadOnlyList<string>? StringList(string key, bool splitCommas = false)
    {
        var node = Raw(key);
        switch (node)
        {
            case null:
                return null;
            case JsonArray array:
                var items = new List<string>();
                foreach (var item in array)
                {
                    if (JsonScalars.TryGetText(item, out var text))
                    {
                        items.Add(text);
                    }
                    else
                    {
                        Invalid(key, $"expected a list of strings, found {JsonScalars.Describe(item)}");
                    }
                }

                return items;
            default:
                if (JsonScalars.TryGetText(node, out var single))
                {
                    return splitCommas
                        ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        : [single];
                }

                Invalid(key, $"expected a list, got {JsonScalars.Describe(node)}");
                return null;
        }
    }

    /// <summary>A map of scalars as strings; <paramref name="guc"/> renders booleans as on/off.</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string key, bool guc = false)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            Invalid(key, $"expected a mapping, got {JsonScalars.Describe(node)}");
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            if (value is null)
            {
                continue;
            }

            if (value is JsonValue)
            {
                map[name] = guc ? JsonScalars.ToGucText(value) : (JsonScalars.TryGetText(value, out var t) ? t : value.ToJsonString());
            }
            else
            {
                Invalid(key + "." + name, $"expected a single value, got {JsonScalars.Describe(value)}");
            }
        }

        return map;
    }

    /// <summary>A nested mapping; null when absent or null; reported when not a mapping.</summary>
    public ConfigSection? Section(string key)
    {
        var node = Raw(key);
        if (node is null)
        {
            return null;
        }

        if (node is JsonObject obj)
        {
            return new ConfigSection(obj, PathOf(key), Problems, TypeSeverity);
        }

        Invalid(key, $"expected a mapping, got {JsonScalars.Describe(node)}");
        return null;
    }

    public ConfigSection SectionOrEmpty(string key) =>
        Section(key) ?? new ConfigSection([], PathOf(key), Problems, TypeSeverity);

    /// <summary>Warns about every key of this mapping nothing has read.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var (name, _) in _json)
        {
            if (!_known.Contains(name))
            {
                Problems.Warning(PathOf(name), "unknown key, ignored");
            }
        }
    }
}
