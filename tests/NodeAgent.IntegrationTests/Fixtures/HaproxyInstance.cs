using System.Net.Sockets;
using System.Text;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// /usr/sbin/haproxy in the foreground (-db) as our child, with a given config in a temp dir. An admin
/// stats socket is added to the global section so tests can read server states ("show stat").
/// </summary>
public sealed class HaproxyInstance : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _root;

    private HaproxyInstance(TempDirectory root, ChildProcess process)
    {
        _root = root;
        Process = process;
    }

    public ChildProcess Process { get; }

    public int Pid => Process.Pid;

    public string ConfigPath => _root.Combine("haproxy.cfg");

    public string StatsSocketPath { get; private init; } = "";

    public string LogPath => _root.Combine("haproxy.log");

    /// <summary>Validates (-c) and starts haproxy with <paramref name="configText"/>; waits for its admin socket.</summary>
    public static Task<HaproxyInstance> StartAsync(string configText, CancellationToken cancellationToken = default) =>
        StartAsync(configText, null, cancellationToken);

    /// <summary>As above, with the admin socket at <paramref name="statsSocketPath"/> (e.g. a path an agent was configured with before).</summary>
    public static async Task<HaproxyInstance> StartAsync(string configText, string? statsSocketPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configText);
        var haproxy = RequiredBinary.RequireHaproxy();
        var root = new TempDirectory("haproxy");
        var configPath = root.Combine("haproxy.cfg");
        statsSocketPath ??= root.Combine("admin.sock");
        await File.WriteAllTextAsync(configPath, WithStatsSocket(configText, statsSocketPath), cancellationToken);
        try
        {
            await CommandRunner.RunAsync(haproxy, ["-c", "-q", "-f", configPath], null, cancellationToken);
        }
        catch
        {
            root.Dispose();
            throw;
        }
        var instance = new HaproxyInstance(root, ChildProcess.Start(haproxy, ["-db", "-f", configPath], root.Combine("haproxy.log")))
        {
            StatsSocketPath = statsSocketPath,
        };
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (instance.Process.HasExited)
                    {
                        throw new InvalidOperationException($"haproxy exited with {instance.Process.ExitCode}");
                    }
                    return (await instance.SendCommandAsync("show info", cancellationToken)).Contains("Pid:", StringComparison.Ordinal);
                },
                StartTimeout,
                "haproxy admin socket",
                cancellationToken);
            return instance;
        }
        catch (TimeoutException ex)
        {
            var log = instance.Process.LogTail();
            await instance.DisposeAsync();
            throw new TimeoutException($"{ex.Message}\n--- haproxy log tail:\n{log}", ex);
        }
    }

    /// <summary>Sends one command to the admin socket and returns the whole answer.</summary>
    public async Task<string> SendCommandAsync(string command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocketPath), cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return answer.ToString();
    }

    /// <summary>The status column of "show stat" for one server, e.g. "UP", "DOWN", "UP 1/2"; null if unknown.</summary>
    public Task<string?> ServerStatusAsync(string proxy, string server, CancellationToken cancellationToken = default) =>
        ServerStatAsync(proxy, server, "status", cancellationToken);

    /// <summary>One column of "show stat" for one server (e.g. "check_code": the HTTP status of its last health check); null if unknown.</summary>
    public async Task<string?> ServerStatAsync(string proxy, string server, string column, CancellationToken cancellationToken = default)
    {
        var csv = await SendCommandAsync("show stat", cancellationToken);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
        if (header is null)
        {
            return null;
        }
        var statusColumn = Array.IndexOf(header[2..].Split(','), column);
        return lines
            .Select(l => l.Split(','))
            .Where(f => f.Length > statusColumn && f[0] == proxy && f[1] == server)
            .Select(f => f[statusColumn])
            .FirstOrDefault();
    }

    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync(TimeSpan.FromSeconds(5), Signals.SigTerm);
        await Process.DisposeAsync();
        _root.Dispose();
    }

    private static string WithStatsSocket(string configText, string socketPath)
    {
        var socketLine = $"    stats socket {socketPath} mode 600 level admin";
        var lines = configText.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var global = lines.FindIndex(l => l.Trim() == "global");
        if (global < 0)
        {
            lines.Insert(0, "global");
            global = 0;
        }
        lines.Insert(global + 1, socketLine);
        return string.Join('\n', lines) + "\n";
    }
}
