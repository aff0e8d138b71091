namespace NodeAgent.Ctl;

/// <summary>
/// <c>-d/--dcs-url</c>: <c>etcd3://host:port</c>, <c>etcd://host:port</c> or a bare <c>host[:port]</c>, comma
/// separated for several. Only etcd v3 is spoken, so every form means etcd3 (patronictl 3.0.2 would read a
/// bare address as etcd v2 and refuses etcd3://).
/// </summary>
internal static class DcsUrl
{
    public static IReadOnlyList<string>? Parse(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var hosts = new List<string>();
        foreach (var part in url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var text = part;
            var scheme = text.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                var name = text[..scheme];
                if (name is not ("etcd3" or "etcd" or "http" or "https"))
                {
                    throw new CtlException($"Unknown dcs scheme: {name}");
                }

                text = text[(scheme + 3)..];
            }

            text = text.TrimEnd('/');
            hosts.Add(text.Contains(':', StringComparison.Ordinal) ? text : text + ":2379");
        }

        return hosts;
    }
}
