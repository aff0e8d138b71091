using System.Globalization;

namespace NodeAgent.Postgres;

/// <summary>synchronous_standby_names for quorum commit (<c>postgresql/sync.py:SyncHandler.set_synchronous_standby_names</c>).</summary>
public sealed partial record SyncStandbyNames
{
    /// <summary>
    /// <c>ANY n (a,b)</c>, names sorted; with no names: none, or <c>*</c> when <paramref name="count"/> asks for one (strict
    /// mode with nobody to name: every commit waits for a standby).
    /// </summary>
    public static string? BuildQuorum(int count, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var sorted = names.Order(StringComparer.Ordinal).Select(Quote).ToList();
        if (sorted.Count == 0)
        {
            return count >= 1 ? "*" : null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"ANY {count} ({string.Join(',', sorted)})");
    }
}
