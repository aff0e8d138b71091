namespace NodeAgent.Ctl.Output;

/// <summary>Host and port of a member's <c>conn_url</c>, like <c>Member.conn_kwargs()</c> (port defaults to 5432).</summary>
internal static class ConnUrl
{
    public static (string? Host, int? Port) HostAndPort(string? connUrl)
    {
        if (string.IsNullOrEmpty(connUrl) || !Uri.TryCreate(connUrl, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return (null, null);
        }

        var host = uri.Host.TrimStart('[').TrimEnd(']').ToLowerInvariant();
        return (host, uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port);
    }

    public static string? Database(string? connUrl) =>
        Uri.TryCreate(connUrl, UriKind.Absolute, out var uri) ? Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) : null;
}
