using System.Globalization;

namespace NodeAgent.Cluster;

/// <summary>A WAL position. Patroni stores these as plain integers in etcd; postgres prints them as "X/Y".</summary>
public readonly record struct Lsn(ulong Value) : IComparable<Lsn>
{
    public static readonly Lsn Zero = new(0);

    public static Lsn Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return new Lsn(ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture));
        }

        var hi = ulong.Parse(text.AsSpan(0, slash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var lo = ulong.Parse(text.AsSpan(slash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new Lsn((hi << 32) | lo);
    }

    public int CompareTo(Lsn other) => Value.CompareTo(other.Value);

    public static bool operator <(Lsn a, Lsn b) => a.Value < b.Value;
    public static bool operator >(Lsn a, Lsn b) => a.Value > b.Value;
    public static bool operator <=(Lsn a, Lsn b) => a.Value <= b.Value;
    public static bool operator >=(Lsn a, Lsn b) => a.Value >= b.Value;

    public static Lsn Max(Lsn a, Lsn b) => a >= b ? a : b;

    /// <summary>Postgres notation, e.g. "0/3000060".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 32:X}/{Value & 0xFFFFFFFF:X}");
}
