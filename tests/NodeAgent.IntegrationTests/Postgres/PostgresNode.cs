using System.Net;
using System.Net.Sockets;
using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Processes;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>
/// One postgres node for a test: temp dirs (data, socket) readable by the postgres account, a loopback address
/// with a free port, and the PostgresInstance under test. Disposal kills the postmaster by PID and removes the dirs.
/// </summary>
internal sealed class PostgresNode : IAsyncDisposable
{
    public const string BinDir = "/usr/lib/postgresql/15/bin";
    public const string Password = "s3cret'pw";

    private readonly ITestOutputHelper _output;
    private readonly List<PostgresInstance> _instances = [];

    /// <param name="configure">Changes to the test config (extra parameters, bootstrap users) before the instance is made.</param>
    public PostgresNode(ITestOutputHelper output, string name, string address, Func<AgentConfig, AgentConfig>? configure = null)
    {
        if (!File.Exists(Path.Combine(BinDir, "postgres")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is missing at {BinDir}");
        }

        _output = output;
        Name = name;
        Address = address;
        Port = FreePort(address);
        Root = Directory.CreateTempSubdirectory("na-pg-").FullName;
        // The postgres account must traverse the root and own the socket dir.
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        SocketDir = Path.Combine(Root, "sock");
        Directory.CreateDirectory(SocketDir);
        Posix.Chown(SocketDir, Posix.FindUser("postgres")!);
        DataDir = Path.Combine(Root, "data");
        Config = new AgentConfig
        {
            Scope = "itest",
            Name = name,
            Bootstrap = new BootstrapConfig
            {
                Initdb = ["encoding=UTF8", "data-checksums"],
                PgHba =
                [
                    "host replication replicator 127.0.0.0/8 scram-sha-256",
                    "host all all 127.0.0.0/8 scram-sha-256",
                ],
            },
            Postgresql = new PostgresqlConfig
            {
                Listen = $"{address}:{Port}",
                ConnectAddress = $"{address}:{Port}",
                DataDir = DataDir,
                BinDir = BinDir,
                PgCtlTimeout = 30,
                Authentication = new PostgresAuthentication
                {
                    Superuser = new PostgresUser { Username = "postgres", Password = Password },
                    Replication = new PostgresUser { Username = "replicator", Password = Password },
                    Rewind = new PostgresUser { Username = "rewind_user", Password = Password },
                },
                Parameters = new Dictionary<string, string>
                {
                    ["unix_socket_directories"] = SocketDir,
                    ["shared_buffers"] = "16MB",
                    ["max_connections"] = "300",
                },
            },
        };
        Config = configure?.Invoke(Config) ?? Config;
        Instance = NewInstance();
    }

    public string Name { get; }

    public string Address { get; }

    public int Port { get; }

    public string Root { get; }

    public string SocketDir { get; }

    public string DataDir { get; }

    public AgentConfig Config { get; }

    public PostgresInstance Instance { get; private set; }

    public UpstreamTarget AsUpstream => new(Name, $"postgres://{Address}:{Port}/postgres");

    /// <summary>A fresh PostgresInstance on the same config, as after an agent restart.</summary>
    public PostgresInstance NewInstance()
    {
        var instance = new PostgresInstance(Config, new TestOutputLoggerFactory(_output), TimeProvider.System);
        _instances.Add(instance);
        Instance = instance;
        return instance;
    }

    public async Task InitAndStartPrimaryAsync()
    {
        await Instance.InitDbAsync(CancellationToken.None);
        Assert.True(await Instance.StartAsync(asPrimary: true, upstream: null, CancellationToken.None));
        await Instance.CreateRolesAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            if (instance.PostmasterPid is { } pid)
            {
                Posix.Signal(pid, PosixSignalKind.Quit);
                await Eventually.TrueAsync(() => Task.FromResult(!Posix.IsAlive(pid)), TimeSpan.FromSeconds(15), "postmaster exit")
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (Posix.IsAlive(pid))
                {
                    Posix.Signal(pid, PosixSignalKind.Kill);
                }
            }
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException ex)
        {
            _output.WriteLine($"cleanup of {Root} failed: {ex.Message}");
        }
    }

    private static int FreePort(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
