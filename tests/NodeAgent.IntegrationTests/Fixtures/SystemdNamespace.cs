using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A real systemd (/lib/systemd/systemd) as PID 1 of new PID, mount and cgroup namespaces, so that the operator's
/// commands (<c>systemctl</c>, <c>journalctl</c>, <c>dpkg -i</c> with its maintainer scripts) run as written on a
/// machine whose own PID 1 is not systemd. It starts only the journal (Fixtures/systemd-boot.sh says why); commands
/// run in the namespaces through <c>nsenter</c>. Dispose kills systemd by PID, which ends every process of its PID
/// namespace, and removes its cgroup.
/// </summary>
public sealed class SystemdNamespace : IAsyncDisposable
{
    private const string Nsenter = "/usr/bin/nsenter";
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(2);
    private readonly ChildProcess _unshare;
    private readonly string _hostCgroup;

    private SystemdNamespace(ChildProcess unshare, string hostCgroup)
    {
        _unshare = unshare;
        _hostCgroup = hostCgroup;
    }

    /// <summary>systemd's PID as the host sees it.</summary>
    public int SystemdPid { get; private set; }

    /// <summary>Boots systemd and waits until <c>systemctl is-system-running</c> says running; its output goes to <paramref name="logPath"/>.</summary>
    public static async Task<SystemdNamespace> BootAsync(string logPath)
    {
        RequiredBinary.Require("/lib/systemd/systemd", "systemd");
        RequiredBinary.Require("/usr/bin/unshare", "util-linux");
        RequiredBinary.Require(Nsenter, "util-linux");
        var cgroupRoot = HostCgroup2Mount()
            ?? throw new InvalidOperationException("no cgroup2 hierarchy is mounted on this machine: systemd cannot run in a namespace without one");
        var name = $"nodeagent-it-{Guid.NewGuid():N}"[..24];
        var unshare = ChildProcess.Start("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/bash", "-c", BootScript(), "systemd-boot", name], logPath);
        var systemd = new SystemdNamespace(unshare, Path.Combine(cgroupRoot, name));
        try
        {
            await Poll.UntilAsync(
                () => unshare.HasExited
                    ? throw new InvalidOperationException($"the namespace exited with {unshare.ExitCode}: {unshare.LogTail()}")
                    : (systemd.SystemdPid = SystemdChildOf(unshare.Pid)) > 0,
                TimeSpan.FromSeconds(20),
                "systemd to start as PID 1 of its namespace");
            string state = "";
            await Poll.UntilAsync(
                async () => (state = (await systemd.RunAsync("systemctl", "is-system-running")).Output.Trim()) is "running" or "degraded",
                TimeSpan.FromSeconds(30),
                "systemd in the namespace to finish starting");
            if (state != "running")
            {
                var failed = await systemd.RunAsync("systemctl", "--failed", "--no-pager");
                throw new InvalidOperationException($"systemd in the namespace is {state}:\n{failed.Output}");
            }
            // journalctl -f started before journald wrote its first file says "No journal files were found" and never follows.
            await Poll.UntilAsync(
                async () => (await systemd.RunAsync("/bin/sh", "-c", "ls /run/log/journal/*/system.journal")).ExitCode == 0,
                TimeSpan.FromSeconds(30),
                "journald in the namespace to open its journal file");
            return systemd;
        }
        catch
        {
            await systemd.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespaces (as root, from /) to completion; never throws on its exit code.</summary>
    public async Task<CommandResult> RunAsync(params string[] command) => await RunAsync(command, environment: null);

    public async Task<CommandResult> RunAsync(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(Nsenter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in EnterArguments().Concat(command))
        {
            psi.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Nsenter}");
        using var timeout = new CancellationTokenSource(CommandLimit);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {CommandLimit.TotalSeconds:0} s");
        }
        return new CommandResult(string.Join(' ', command), process.ExitCode, await stdout + await stderr);
    }

    /// <summary><see cref="RunAsync(string[])"/> that throws, with the output, unless the command exits 0.</summary>
    public async Task<string> CheckedAsync(params string[] command)
    {
        var result = await RunAsync(command);
        return result.ExitCode == 0 ? result.Output : throw new InvalidOperationException($"{result.Command} exited with {result.ExitCode}:\n{result.Output}");
    }

    /// <summary>Starts a long-running command (<c>journalctl -f</c>, <c>tail -F</c>) inside the namespaces, its output to <paramref name="logPath"/>.</summary>
    public ChildProcess Start(string logPath, params string[] command) =>
        ChildProcess.Start(Nsenter, [.. EnterArguments(), .. command], logPath);

    public async ValueTask DisposeAsync()
    {
        // PID 1 of a PID namespace: the kernel kills every process of the namespace with it.
        var pid = SystemdPid > 0 ? SystemdPid : SystemdChildOf(_unshare.Pid);
        if (pid > 0)
        {
            Signals.Send(pid, Signals.SigKill);
        }
        await _unshare.WaitForExitAsync(TimeSpan.FromSeconds(20));
        _unshare.Dispose();
        await RemoveCgroupAsync();
    }

    private IEnumerable<string> EnterArguments() =>
        ["--target", SystemdPid.ToString(CultureInfo.InvariantCulture), "--mount", "--pid", "--"];

    /// <summary>The cgroups systemd made under ours, deepest first; each can go once its processes are gone.</summary>
    private async Task RemoveCgroupAsync()
    {
        if (!Directory.Exists(_hostCgroup))
        {
            return;
        }
        await Poll.UntilAsync(
            () =>
            {
                foreach (var dir in Directory.GetDirectories(_hostCgroup, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(_hostCgroup))
                {
                    Directory.Delete(dir); // rmdir: cgroupfs refuses while a process is left
                }
                return !Directory.Exists(_hostCgroup);
            },
            TimeSpan.FromSeconds(20),
            $"cgroup {_hostCgroup} to be removed");
    }

    /// <summary>The host's cgroup2 mount point (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host).</summary>
    private static string? HostCgroup2Mount() =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(" - ", 2))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
            .Select(parts => parts[0].Split(' ')[4])
            .FirstOrDefault();

    /// <summary>The process under <paramref name="unsharePid"/> running /lib/systemd/systemd (0 while there is none).</summary>
    private static int SystemdChildOf(int unsharePid) =>
        ProcFs.All()
            .Where(p => p.ParentPid == unsharePid && ProcFs.CommandLine(p.Pid).StartsWith("/lib/systemd/systemd", StringComparison.Ordinal))
            .Select(p => p.Pid)
            .FirstOrDefault();

    private static string BootScript()
    {
        using var stream = typeof(SystemdNamespace).Assembly.GetManifestResourceStream("systemd-boot.sh")
            ?? throw new InvalidOperationException("embedded resource systemd-boot.sh missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

/// <summary>What a command printed (standard output, then standard error) and how it exited.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output);
