namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>The dotnet host running the tests, reused to run the agent and the chaos client.</summary>
internal static class DotnetHost
{
    public static string Path
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }
            return new[] { "/usr/bin/dotnet", "/usr/share/dotnet/dotnet", "/usr/lib/dotnet/dotnet" }.FirstOrDefault(File.Exists) ?? "dotnet";
        }
    }
}
