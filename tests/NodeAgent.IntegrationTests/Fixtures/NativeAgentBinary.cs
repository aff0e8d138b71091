namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// out/bin/node-agent of this checkout: the native AOT binary that ships, built by scripts/build.sh (scripts/test.sh runs
/// it before the tests). Missing, or older than the agent this test project was built with, fails loudly: a stale binary
/// would test code that is no longer there.
/// </summary>
public static class NativeAgentBinary
{
    public static string Require()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "NodeAgent.sln")))
            {
                continue;
            }

            var binary = Path.Combine(dir.FullName, "out", "bin", "node-agent");
            if (!File.Exists(binary))
            {
                throw new InvalidOperationException($"{binary} not found: run scripts/build.sh (native AOT) first");
            }

            var built = Path.Combine(AppContext.BaseDirectory, "node-agent.dll");
            if (File.Exists(built) && File.GetLastWriteTimeUtc(binary) < File.GetLastWriteTimeUtc(built))
            {
                throw new InvalidOperationException($"{binary} is older than {built}: run scripts/build.sh (native AOT) again");
            }

            return binary;
        }

        throw new InvalidOperationException($"no NodeAgent.sln above {AppContext.BaseDirectory}: cannot find out/bin/node-agent");
    }
}
