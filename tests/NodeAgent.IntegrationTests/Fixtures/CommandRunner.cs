using System.Diagnostics;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>Runs short-lived helper programs (initdb, chown, haproxy -c) to completion.</summary>
public static class CommandRunner
{
    /// <summary>Runs a program to completion with output captured; throws on non-zero exit or after 2 min.</summary>
    public static Task<string> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        Action<ProcessStartInfo>? configure = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(fileName, arguments, TimeSpan.FromMinutes(2), configure, cancellationToken);

    /// <summary>As above, for a program that may take longer (a script that starts a cluster): throws after <paramref name="limit"/>.</summary>
    public static async Task<string> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan limit,
        Action<ProcessStartInfo>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        configure?.Invoke(psi);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', psi.ArgumentList)} exited with {process.ExitCode}:\n{output}");
        }
        return output;
    }
}
