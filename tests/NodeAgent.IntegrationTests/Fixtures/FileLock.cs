using System.Diagnostics;
using System.Globalization;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// An exclusive lock shared with scripts that take it with <c>flock FILE command</c>: held by a child
/// <c>flock -w SECONDS FILE -c 'echo held; exec cat'</c>, which waits in line as flock(1) does, and released when
/// dispose closes its standard input. Do not run a test that takes it under the same flock: it would wait for itself.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly Process _holder;

    private FileLock(Process holder) => _holder = holder;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo("/usr/bin/flock")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-w", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), path, "-c", "echo held; exec cat" })
        {
            psi.ArgumentList.Add(argument);
        }
        var holder = Process.Start(psi) ?? throw new InvalidOperationException("could not start flock");
        var line = await holder.StandardOutput.ReadLineAsync();
        if (line != "held")
        {
            await holder.WaitForExitAsync();
            var why = $"flock exited {holder.ExitCode}: {(await holder.StandardError.ReadToEndAsync()).Trim()}";
            holder.Dispose();
            throw new TimeoutException($"{path} not free within {timeout.TotalSeconds:0} s ({why})");
        }
        return new FileLock(holder);
    }

    public void Dispose()
    {
        _holder.StandardInput.Close(); // cat exits, and flock releases the lock with it
        if (!_holder.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _holder.Kill(entireProcessTree: true);
        }
        _holder.Dispose();
    }
}
