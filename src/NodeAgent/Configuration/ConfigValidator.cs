using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Configuration;

/// <summary>
/// Maps a config tree and checks it (Patroni's validator.py schema, stricter on types). <c>bootstrap.dcs</c> is checked
/// while it is mapped, by <see cref="DynamicConfigValidator"/>, the same rules PUT/PATCH /config apply. Errors make the
/// file unusable; facts about this machine (binaries, data dir, addresses) are only warnings, so a file can be
/// checked on another host.
/// </summary>
public static class ConfigValidator
{
    public static ConfigValidationResult Validate(JsonObject tree, bool checkMachine = true)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var problems = new ConfigProblems();
        var config = AgentConfigMapper.Map(tree, problems);
        CheckListen(problems, "restapi.listen", config.RestApi.Listen);
        CheckListen(problems, "postgresql.listen", config.Postgresql.Listen);
        CheckAddress(problems, "restapi.connect_address", config.RestApi.ConnectAddress);
        CheckAddress(problems, "postgresql.connect_address", config.Postgresql.ConnectAddress);
        if (string.IsNullOrWhiteSpace(config.Postgresql.DataDir))
        {
            problems.Error("postgresql.data_dir", "required");
        }

        CheckWatchdog(config, problems);
        NotActedOnKeys.CheckLocal(tree, problems);
        if (checkMachine)
        {
            MachineChecks.Run(config, problems);
        }

        return new ConfigValidationResult(problems.HasErrors ? null : config, problems.Items);
    }

    /// <summary>"host[,host...]:port" with a port in 0..65535.</summary>
    internal static void CheckListen(ConfigProblems problems, string path, string? listen)
    {
        if (listen is null)
        {
            return;
        }

        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || listen[..colon].Trim().Length == 0)
        {
            problems.Error(path, $"'{listen}' is not host:port");
            return;
        }

        CheckPort(problems, path, listen[(colon + 1)..].Trim());
    }

    private static void CheckAddress(ConfigProblems problems, string path, string? address)
    {
        if (address is null)
        {
            problems.Warning(path, "not set; other members and clients cannot reach this node");
            return;
        }

        CheckListen(problems, path, address);
        var host = Etcd3ConfigMapper.SplitHostPort(address, null).Host;
        if (host is "0.0.0.0" or "*" or "::" or "")
        {
            problems.Warning(path, $"'{host}' is not an address other members can connect to");
        }
    }

    private static void CheckPort(ConfigProblems problems, string path, string port)
    {
        if (!long.TryParse(port, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            problems.Error(path, $"port '{port}' is not a number");
        }
        else if (value is < 0 or > 65535)
        {
            problems.Error(path, $"port {value} is out of range 0..65535");
        }
    }

    private static void CheckWatchdog(AgentConfig config, ConfigProblems problems)
    {
        var watchdog = config.Watchdog;
        if (watchdog.Mode == WatchdogMode.Off)
        {
            return;
        }

        var dcs = config.Bootstrap.Dcs;
        var timeout = watchdog.SafetyMargin == -1 ? dcs.Ttl / 2 : dcs.Ttl - watchdog.SafetyMargin;
        if (timeout - dcs.LoopWait < 0)
        {
            var message = $"ttl - safety_margin ({timeout}) is less than loop_wait ({dcs.LoopWait}): the watchdog cannot be used";
            problems.Add(watchdog.Mode == WatchdogMode.Required ? ConfigSeverity.Error : ConfigSeverity.Warning, "watchdog.safety_margin", message);
        }
    }
}
