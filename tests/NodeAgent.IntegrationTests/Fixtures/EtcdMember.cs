namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>One etcd member of an <see cref="EtcdCluster"/>: its own loopback address, ports and data dir.</summary>
public sealed class EtcdMember
{
    internal EtcdMember(string name, string address, int clientPort, int peerPort, string dataDir, string logPath)
    {
        Name = name;
        Address = address;
        ClientPort = clientPort;
        PeerPort = peerPort;
        DataDir = dataDir;
        LogPath = logPath;
    }

    public string Name { get; }

    public string Address { get; }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public string DataDir { get; }

    public string LogPath { get; }

    /// <summary>"host:port" of the client listener.</summary>
    public string Endpoint => $"{Address}:{ClientPort}";

    public string ClientUrl => $"http://{Endpoint}";

    public string PeerUrl => $"http://{Address}:{PeerPort}";

    /// <summary>The running etcd process, null while stopped.</summary>
    public ChildProcess? Process { get; internal set; }

    public bool IsRunning => Process is { HasExited: false };

    public int? Pid => Process?.Pid;
}
