using System.Net;
using System.Net.NetworkInformation;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Configuration;

/// <summary>Checks that depend on this host; each is a warning, since the file may be prepared elsewhere.</summary>
internal static class MachineChecks
{
    private static readonly string[] Binaries = ["pg_ctl", "initdb", "pg_controldata", "pg_basebackup", "postgres", "pg_isready"];

    public static void Run(AgentConfig config, ConfigProblems problems)
    {
        CheckBinDir(config.Postgresql.BinDir, problems);
        CheckDataDir(config.Postgresql.DataDir, problems);
        var local = LocalAddresses();
        CheckLocal(problems, "restapi.connect_address", config.RestApi.ConnectAddress, local);
        CheckLocal(problems, "postgresql.connect_address", config.Postgresql.ConnectAddress, local);
    }

    private static void CheckBinDir(string? binDir, ConfigProblems problems)
    {
        if (string.IsNullOrEmpty(binDir))
        {
            return; // found through PATH at run time
        }

        if (!Directory.Exists(binDir))
        {
            problems.Warning("postgresql.bin_dir", $"directory {binDir} does not exist on this machine");
            return;
        }

        var missing = Binaries.Where(b => !File.Exists(Path.Combine(binDir, b))).ToList();
        if (missing.Count > 0)
        {
            problems.Warning("postgresql.bin_dir", $"{binDir} lacks {string.Join(", ", missing)}");
        }
    }

    private static void CheckDataDir(string dataDir, ConfigProblems problems)
    {
        if (string.IsNullOrEmpty(dataDir) || Directory.Exists(dataDir))
        {
            return;
        }

        problems.Warning("postgresql.data_dir", $"{dataDir} does not exist yet (created at bootstrap or replica creation)");
    }

    private static void CheckLocal(ConfigProblems problems, string path, string? address, HashSet<IPAddress>? local)
    {
        if (address is null || local is null)
        {
            return;
        }

        var host = Etcd3ConfigMapper.SplitHostPort(address, null).Host;
        if (!IPAddress.TryParse(host, out var ip) || IPAddress.IsLoopback(ip) || local.Contains(ip))
        {
            return;
        }

        problems.Warning(path, $"{host} is not an address of this machine");
    }

    private static HashSet<IPAddress>? LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}
