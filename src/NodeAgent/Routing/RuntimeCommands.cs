using NodeAgent.Configuration;

namespace NodeAgent.Routing;

/// <summary>
/// The runtime API commands of one push (pure). Only <c>set server ... health</c>: a forced health state lasts until the
/// next checks disagree (<c>fall</c> failures or <c>rise</c> successes), so HAProxy's checks stay the safety net. A server
/// put in <c>maint</c> would stay out until someone sets it ready, and a push that never comes would leave it there.
/// </summary>
public static class RuntimeCommands
{
    /// <summary>Asked first at promotion: which servers the primary backend has (the other members' names come from HAProxy).</summary>
    public static string ListPrimaryServers(HaproxyRuntimeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return $"show servers state {config.PrimaryBackend}";
    }

    /// <summary>
    /// Promotion: every other server of the primary backend down first (no moment with two writable targets), then this
    /// one ready and up, then this one down in the replica backend (a primary answers 503 on /replica anyway).
    /// </summary>
    public static IReadOnlyList<string> Promote(HaproxyRuntimeConfig config, string server, IReadOnlyList<string> primaryServers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(primaryServers);
        if (!primaryServers.Contains(server, StringComparer.Ordinal))
        {
            throw new RuntimeApiException($"backend '{config.PrimaryBackend}' has no server '{server}' (haproxy_runtime.server)");
        }

        var commands = primaryServers
            .Where(s => !string.Equals(s, server, StringComparison.Ordinal))
            .Select(s => $"set server {config.PrimaryBackend}/{s} health down")
            .ToList();
        commands.Add($"set server {config.PrimaryBackend}/{server} state ready");
        commands.Add($"set server {config.PrimaryBackend}/{server} health up");
        if (config.ReplicaBackend.Length > 0)
        {
            commands.Add($"set server {config.ReplicaBackend}/{server} health down");
        }

        return commands;
    }

    /// <summary>Demotion: this server out of the primary backend. The replica backend takes it back on its own checks.</summary>
    public static IReadOnlyList<string> Withdraw(HaproxyRuntimeConfig config, string server)
    {
        ArgumentNullException.ThrowIfNull(config);
        return [$"set server {config.PrimaryBackend}/{server} health down"];
    }

    /// <summary>
    /// The server names in the answer to <c>show servers state BACKEND</c> (format 1: a version line, a '#' header naming
    /// the columns, one line per server). Anything else is the runtime API's error text.
    /// </summary>
    public static IReadOnlyList<string> ParseServers(string answer, string backend)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
        if (lines.Length == 0 || lines[0] != "1" || header is null)
        {
            throw new RuntimeApiException($"'show servers state {backend}' answered: {FirstLine(answer)}");
        }

        var columns = header[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var backendColumn = Array.IndexOf(columns, "be_name");
        var serverColumn = Array.IndexOf(columns, "srv_name");
        if (backendColumn < 0 || serverColumn < 0)
        {
            throw new RuntimeApiException($"'show servers state {backend}' has no be_name/srv_name columns");
        }

        return lines
            .Where(l => !l.StartsWith('#') && l != "1")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > Math.Max(backendColumn, serverColumn) && f[backendColumn] == backend)
            .Select(f => f[serverColumn])
            .ToList();
    }

    /// <summary>A <c>set server</c> that worked answers an empty line; anything else is an error ("No such server.", "Permission denied").</summary>
    /// <summary>The commands as one runtime API line (non-interactive mode runs ';'-separated commands in order).</summary>
    public static string OneLine(IReadOnlyList<string> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        return string.Join("; ", commands);
    }

    public static void CheckSetAnswer(string command, string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Trim().Length > 0)
        {
            throw new RuntimeApiException($"'{command}' answered: {FirstLine(answer)}");
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Trim().Split('\n')[0].Trim();
        return line.Length == 0 ? "(nothing)" : line.Length > 200 ? line[..200] : line;
    }
}
