using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Postgres.Callbacks;
using NodeAgent.Processes;

namespace NodeAgent.Tests.Postgres.Callbacks;

/// <summary>Real scripts in a temp directory: arguments as Patroni passes them, one at a time, pre_promote's exit code.</summary>
public sealed class CallbackRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("callbacks-").FullName;
    private readonly LineLogger _log = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private CallbackRunner Runner(CallbacksConfig callbacks, string? prePromote = null) =>
        new(callbacks, prePromote, "demo", new ProcessRunner(NullLogger<ProcessRunner>.Instance), null, TimeProvider.System, _log,
            hangWarningAfter: TimeSpan.FromMilliseconds(300));

    private string Script(string name, string body, bool executable = true)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, executable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static async Task<string> WaitForFileAsync(string path, int lines = 1) =>
        await Eventually.HoldsAsync(() => File.Exists(path) && File.ReadAllLines(path).Length >= lines, TimeSpan.FromSeconds(10))
            ? File.ReadAllText(path)
            : throw new TimeoutException($"{path} was not written");

    private static Task<bool> GoneAsync(int pid) => Eventually.HoldsAsync(() => !Posix.IsAlive(pid), TimeSpan.FromSeconds(5));

    [Fact]
    public async Task A_callback_gets_its_arguments_then_action_role_and_scope()
    {
        var record = Path.Combine(_dir, "args");
        var script = Script("record.sh", $"echo \"$@\" > {record}");

        Runner(new CallbacksConfig { OnRoleChange = $"{script} --flag 'two words'" }).Fire(CallbackAction.OnRoleChange, CallbackRole.Master);

        Assert.Equal("--flag two words on_role_change master demo\n", await WaitForFileAsync(record));
    }

    [Fact]
    public async Task The_next_callback_kills_the_one_still_running_with_its_children()
    {
        var pids = Path.Combine(_dir, "pids");
        var record = Path.Combine(_dir, "args");
        var slow = Script("slow.sh", $"sleep 60 & echo $$ $! > {pids}; wait");
        var fast = Script("fast.sh", $"echo \"$@\" > {record}");
        var runner = Runner(new CallbacksConfig { OnStop = slow, OnStart = fast });

        runner.Fire(CallbackAction.OnStop, CallbackRole.Replica);
        var started = (await WaitForFileAsync(pids)).Split(' ', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        runner.Fire(CallbackAction.OnStart, CallbackRole.Replica);

        Assert.Equal("on_start replica demo\n", await WaitForFileAsync(record));
        Assert.True(await GoneAsync(started[0]), "the running callback was not killed");
        Assert.True(await GoneAsync(started[1]), "its child was not killed");
        Assert.Contains(_log.Lines, l => l.Contains("postgresql.callbacks.on_stop: killing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_reload_does_not_kill_a_running_role_change()
    {
        var pids = Path.Combine(_dir, "pids");
        var slow = Script("slow.sh", $"echo $$ > {pids}; sleep 60");
        var reloaded = Path.Combine(_dir, "reloaded");
        var done = Script("done.sh", "exit 0");
        var reload = Script("reload.sh", $"echo $1 > {reloaded}");
        var runner = Runner(new CallbacksConfig { OnRoleChange = slow, OnReload = reload, OnStart = done });

        runner.Fire(CallbackAction.OnRoleChange, CallbackRole.Master);
        var pid = int.Parse((await WaitForFileAsync(pids)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        runner.Fire(CallbackAction.OnReload, CallbackRole.Master);
        // The reload callback has run to its end: had it killed the role change, that would have happened before.
        await WaitForFileAsync(reloaded);

        Assert.True(Posix.IsAlive(pid));
        runner.Fire(CallbackAction.OnStart, CallbackRole.Master);
        Assert.True(await GoneAsync(pid));
    }

    [Fact]
    public async Task A_script_that_is_not_executable_or_hangs_is_logged_naming_its_key()
    {
        var runner = Runner(new CallbacksConfig { OnStart = Script("noexec.sh", "exit 0", executable: false), OnStop = Script("hang.sh", "sleep 60") });

        runner.Fire(CallbackAction.OnStart, CallbackRole.Replica);
        await _log.WaitForAsync("postgresql.callbacks.on_start: the script could not be executed");
        runner.Fire(CallbackAction.OnStop, CallbackRole.Replica);
        await _log.WaitForAsync("postgresql.callbacks.on_stop: the script (pid");
        runner.Fire(CallbackAction.OnRoleChange, CallbackRole.Replica);
    }

    [Fact]
    public void Unset_callbacks_do_nothing() =>
        Runner(new CallbacksConfig()).Fire(CallbackAction.OnRoleChange, CallbackRole.Master);

    [Theory]
    [InlineData(null, true)]
    [InlineData("/bin/true", true)]
    [InlineData("/bin/sh -c 'exit 3'", false)]
    [InlineData("/nonexistent/pre_promote", false)]
    [InlineData("'unterminated", false)]
    public async Task Pre_promote_passes_only_on_exit_code_zero(string? command, bool passes) =>
        Assert.Equal(passes, await Runner(new CallbacksConfig(), command).PrePromoteAsync(TimeSpan.FromSeconds(10), CancellationToken.None));

    [Fact]
    public async Task A_pre_promote_that_outlives_its_time_is_killed_and_fails()
    {
        var started = DateTime.UtcNow;

        Assert.False(await Runner(new CallbacksConfig(), "/bin/sleep 60").PrePromoteAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    /// <summary>Callbacks log from their watchers' threads, so the lines are kept in a concurrent queue.</summary>
    private sealed class LineLogger : ILogger<CallbackRunner>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));

        public async Task WaitForAsync(string start)
        {
            await Eventually.HoldsAsync(() => _lines.Any(l => l.StartsWith(start, StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
            Assert.Contains(_lines, l => l.StartsWith(start, StringComparison.Ordinal));
        }
    }
}
