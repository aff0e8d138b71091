using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NodeAgent.IntegrationTests.Api;

/// <summary>A real /usr/sbin/haproxy child with a temp config and an admin stats socket; killed by PID on dispose.</summary>
internal sealed class HaproxyProcess : IDisposable
{
    private const string Binary = "/usr/sbin/haproxy";
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private HaproxyProcess(Process process, string directory, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _process = process;
        _directory = directory;
        _output = output;
    }

    /// <summary>What haproxy printed so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public string StatsSocket => Path.Combine(_directory, "stats.sock");

    public static HaproxyProcess Start(Func<string, string> configForStatsSocket)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is required for this test");
        }

        var directory = Directory.CreateTempSubdirectory("nodeagent-haproxy-").FullName;
        var config = Path.Combine(directory, "haproxy.cfg");
        File.WriteAllText(config, configForStatsSocket(Path.Combine(directory, "stats.sock")) + "\n"); // haproxy refuses a last line without LF
        var start = new ProcessStartInfo(Binary, ["-db", "-f", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new HaproxyProcess(process, directory, output);
    }

    /// <summary>The CSV of <c>show stat</c> as rows keyed by column name.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> ShowStatAsync()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}");
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocket));
        await socket.SendAsync(Encoding.ASCII.GetBytes("show stat\n"));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        return lines.Skip(1)
            .Select(line => (IReadOnlyDictionary<string, string>)header.Zip(line.Split(','))
                .ToDictionary(p => p.First, p => p.Second))
            .ToArray();
    }

    public static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
