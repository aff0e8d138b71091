using System.Globalization;

namespace NodeAgent.Api.Health;

/// <summary>Parses Patroni's size notation (<c>1024</c>, <c>16kB</c>, <c>64MB</c>, <c>1GB</c>, <c>1TB</c>) into bytes; units are powers of 1024.</summary>
public static class ByteSize
{
    private static readonly (string Unit, ulong Factor)[] Units =
    [
        ("TB", 1UL << 40), ("GB", 1UL << 30), ("MB", 1UL << 20), ("kB", 1UL << 10), ("B", 1UL),
    ];

    public static bool TryParse(string? text, out ulong bytes)
    {
        bytes = 0;
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        ulong factor = 1;
        foreach (var (unit, unitFactor) in Units)
        {
            if (value.EndsWith(unit, StringComparison.Ordinal))
            {
                factor = unitFactor;
                value = value[..^unit.Length].TrimEnd();
                break;
            }
        }

        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            || number < 0)
        {
            return false;
        }

        var total = Math.Round(number * factor, MidpointRounding.ToEven);
        if (total > ulong.MaxValue)
        {
            return false;
        }

        bytes = (ulong)total;
        return true;
    }
}
