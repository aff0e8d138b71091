namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// Patroni's key names under <c>/&lt;namespace&gt;/&lt;scope&gt;/</c> (<c>dcs/__init__.py</c>).
/// Every key is the prefix plus a relative name; the cache works on relative names.
/// </summary>
internal sealed class KeyLayout
{
    public const string LeaderName = "leader";
    public const string MembersDir = "members/";
    public const string ConfigName = "config";
    public const string InitializeName = "initialize";
    public const string HistoryName = "history";
    public const string StatusName = "status";
    public const string LeaderOptimeName = "optime/leader";
    public const string FailoverName = "failover";
    public const string SyncName = "sync";
    public const string FailsafeName = "failsafe";

    public KeyLayout(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    /// <summary>E.g. <c>/service/batman/</c>, always with the trailing slash.</summary>
    public string Prefix { get; }

    /// <summary>The end of a prefix range: the prefix with its last byte incremented (<c>/service/batman0</c>).</summary>
    public string PrefixRangeEnd => Prefix[..^1] + (char)(Prefix[^1] + 1);

    public string Leader => Prefix + LeaderName;
    public string Config => Prefix + ConfigName;
    public string Initialize => Prefix + InitializeName;
    public string History => Prefix + HistoryName;
    public string Status => Prefix + StatusName;
    public string LeaderOptime => Prefix + LeaderOptimeName;
    public string Failover => Prefix + FailoverName;
    public string Sync => Prefix + SyncName;
    public string Failsafe => Prefix + FailsafeName;

    public string Member(string name) => Prefix + MembersDir + name;

    /// <summary>The key relative to the prefix, or null when the key lies outside it.</summary>
    public string? Relative(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : null;

    /// <summary>The member name for <c>members/&lt;x&gt;</c> (exactly one slash, as Patroni requires), else null.</summary>
    public static string? MemberNameOf(string relativeKey)
    {
        if (!relativeKey.StartsWith(MembersDir, StringComparison.Ordinal))
        {
            return null;
        }

        var name = relativeKey[MembersDir.Length..];
        return name.Length == 0 || name.Contains('/', StringComparison.Ordinal) ? null : name;
    }
}
