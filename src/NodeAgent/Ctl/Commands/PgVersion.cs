using System.Globalization;

namespace NodeAgent.Ctl.Commands;

/// <summary>Patroni's <c>postgres_version_to_int</c> check, with its messages: X.Y (10+) or X.Y.Z.</summary>
internal static class PgVersion
{
    /// <summary>Null when valid, else the message patronictl prints.</summary>
    public static string? Problem(string version)
    {
        var parts = version.Split('.');
        var numbers = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                return $"Invalid PostgreSQL version: {version}";
            }

            numbers.Add(n);
        }

        return numbers.Count < 2 || (numbers.Count == 2 && numbers[0] < 10) || numbers.Count > 3
            ? $"Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: {version}"
            : null;
    }
}
