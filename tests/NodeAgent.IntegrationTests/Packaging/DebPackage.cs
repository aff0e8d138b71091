using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Packaging;

/// <summary>
/// The .deb of this checkout (scripts/package-deb.sh, from the native binary scripts/build.sh makes) and the machine's
/// package database, which scripts/check-deb.sh uses too: both hold <see cref="LockPath"/> while the package is installed.
/// </summary>
internal static class DebPackage
{
    /// <summary>The lock file scripts/check-deb.sh takes with flock(1).</summary>
    public const string LockPath = "/tmp/nodeagent-deb.lock";

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NodeAgent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no NodeAgent.sln above {AppContext.BaseDirectory}: cannot find scripts/package-deb.sh");
    }

    /// <summary>Builds out/node-agent_VERSION_amd64.deb and returns its full path.</summary>
    public static async Task<string> BuildAsync()
    {
        var root = RepoRoot();
        RequiredBinary.Require(Path.Combine(root, "out", "bin", "node-agent"), "(run scripts/build.sh: the native AOT binary the .deb ships)");
        var output = await CommandRunner.RunAsync("/bin/bash", [Path.Combine(root, "scripts", "package-deb.sh")], psi => psi.WorkingDirectory = root);
        var deb = Path.Combine(root, output.Trim().Split('\n')[^1].Trim());
        return File.Exists(deb) ? deb : throw new InvalidOperationException($"package-deb.sh named {deb}, which does not exist:\n{output}");
    }

    /// <summary>Takes <see cref="LockPath"/> (waits while check-deb.sh or another test has the package installed).</summary>
    public static Task<FileLock> LockAsync() => FileLock.AcquireAsync(LockPath, TimeSpan.FromMinutes(10));

    /// <summary>True if dpkg lists node-agent as installed, or half-installed, or with its config files left.</summary>
    public static async Task<bool> IsKnownToDpkgAsync()
    {
        try
        {
            var status = await CommandRunner.RunAsync("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "node-agent"]);
            return !status.Contains("not-installed", StringComparison.Ordinal);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("no packages found", StringComparison.Ordinal))
        {
            return false;
        }
    }
}
