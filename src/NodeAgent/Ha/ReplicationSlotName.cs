using System.Globalization;
using System.Text;

namespace NodeAgent.Ha;

/// <summary>Patroni's <c>slot_name_from_member_name</c>: the physical slot a member streams from.</summary>
public static class ReplicationSlotName
{
    public static string FromMemberName(string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var sb = new StringBuilder(member.Length);
        foreach (var c in member.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')
            {
                sb.Append(c);
            }
            else if (c is '-' or '.')
            {
                sb.Append('_');
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"u{(int)c:d4}");
            }
        }

        return sb.Length > 63 ? sb.ToString(0, 63) : sb.ToString();
    }
}
