using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>Patroni's <c>parse_mode</c>: off/disable/disabled (and YAML false), automatic/auto, required/require.</summary>
internal static class WatchdogModeNames
{
    public static bool TryParse(JsonNode? node, out WatchdogMode mode)
    {
        mode = WatchdogMode.Automatic;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.False)
        {
            // An unquoted `mode: off` is a YAML boolean.
            mode = WatchdogMode.Off;
            return true;
        }

        return JsonScalars.TryGetText(node, out var text) && TryParse(text, out mode);
    }

    public static bool TryParse(string text, out WatchdogMode mode)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "off" or "disable" or "disabled":
                mode = WatchdogMode.Off;
                return true;
            case "automatic" or "auto":
                mode = WatchdogMode.Automatic;
                return true;
            case "required" or "require":
                mode = WatchdogMode.Required;
                return true;
            default:
                mode = WatchdogMode.Automatic;
                return false;
        }
    }
}
