using System.Globalization;
using System.Text;

namespace NodeAgent.Postgres;

/// <summary>Patroni's <c>slot_name_from_member_name</c>.</summary>
internal static class SlotNames
{
    private const int MaxLength = 63;

    /// <summary>Lower-cased; '-' and '.' become '_'; other characters outside [a-z0-9_] become u%04d of the code point; 63 chars max.</summary>
    public static string FromMemberName(string memberName)
    {
        ArgumentNullException.ThrowIfNull(memberName);
        var sb = new StringBuilder(memberName.Length);
        foreach (var rune in memberName.ToLowerInvariant().EnumerateRunes())
        {
            var v = rune.Value;
            if (v is >= 'a' and <= 'z' or >= '0' and <= '9' or '_')
            {
                sb.Append((char)v);
            }
            else if (v is '-' or '.')
            {
                sb.Append('_');
            }
            else
            {
                sb.Append('u').Append(v.ToString("D4", CultureInfo.InvariantCulture));
            }
        }

        return sb.Length > MaxLength ? sb.ToString(0, MaxLength) : sb.ToString();
    }
}
