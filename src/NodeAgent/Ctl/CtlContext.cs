using System.Globalization;
using NodeAgent.Ctl.Dcs;
using NodeAgent.Ctl.Rest;

namespace NodeAgent.Ctl;

/// <summary>Everything a command needs: the console, the settings, the clock, and access to etcd and the members.</summary>
internal sealed class CtlContext
{
    private readonly Func<string, ICtlDcs> _openDcs;

    public CtlContext(CtlConsole console, CtlSettings settings, TimeProvider time, Func<string, ICtlDcs> openDcs, IMemberApi api)
    {
        Console = console;
        Settings = settings;
        Time = time;
        _openDcs = openDcs;
        Api = api;
    }

    public CtlConsole Console { get; }
    public CtlSettings Settings { get; }
    public TimeProvider Time { get; }
    public IMemberApi Api { get; }

    /// <summary>The cluster named on the command line, else the configured scope.</summary>
    public string ClusterName(string? argument) =>
        !string.IsNullOrEmpty(argument) ? argument
        : Settings.Scope ?? throw new CtlException("No cluster name was provided (give CLUSTER_NAME or set scope in the configuration)");

    /// <summary>etcd access to the keys of <paramref name="clusterName"/> in the configured namespace.</summary>
    public ICtlDcs OpenDcs(string clusterName) => _openDcs(clusterName);

    /// <summary>patronictl's <c>timestamp(precision)</c>: local time, "%Y-%m-%d %H:%M:%S.%f" cut to the precision.</summary>
    public string Timestamp(int precision = 6)
    {
        var now = Time.GetLocalNow();
        var full = now.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        return full[..(full.Length + precision - 7)];
    }

    public static string KeyPrefix(string @namespace, string clusterName)
    {
        var raw = "/" + @namespace.Trim('/') + "/" + clusterName + "/";
        while (raw.Contains("//", StringComparison.Ordinal))
        {
            raw = raw.Replace("//", "/", StringComparison.Ordinal);
        }

        return raw;
    }
}
