using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodeAgent.Configuration;
using NodeAgent.Logging;

namespace NodeAgent.Hosting;

/// <summary>
/// <c>node-agent [CONFIG_FILE]</c>: loads and validates the config (the file, or the environment when null), then
/// runs the agent until SIGTERM. A config that cannot be loaded exits with <see cref="AgentCommandLine.ConfigErrorExitCode"/>.
/// </summary>
internal static class AgentRunner
{
    public static async Task<int> RunAsync(string? configPath)
    {
        var env = ConfigLoader.ProcessEnvironment();
        var result = ConfigLoader.Read(configPath, env);
        if (!result.IsValid)
        {
            foreach (var problem in result.Problems.OrderBy(p => p.Severity))
            {
                await Console.Error.WriteLineAsync(problem.ToString()).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync($"{configPath ?? ConfigLoader.EnvironmentSourceName(env)}: invalid configuration, not starting")
                .ConfigureAwait(false);
            return AgentCommandLine.ConfigErrorExitCode;
        }

        var config = result.Config!;
        var warnings = result.Warnings.ToList();

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (LogSetup.Configure(builder.Logging, config.Log) is { } logProblem)
        {
            warnings.Add(logProblem);
        }

        // READY=1 / STOPPING=1 for Type=notify when started by systemd; a no-op otherwise.
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(config.Postgresql.PgCtlTimeout + 30));
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(new ConfigSource(configPath, warnings));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<AgentService>();

        using var host = builder.Build();
        await host.RunAsync().ConfigureAwait(false);
        return Environment.ExitCode;
    }
}

/// <summary>Where the config came from, for reloads, plus the warnings found when it was loaded.</summary>
internal sealed record ConfigSource(string? Path, IReadOnlyList<ConfigProblem> Warnings);
