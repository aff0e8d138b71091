using System.Runtime.InteropServices;
using NodeAgent.ChaosClient;

// Runs until SIGTERM/SIGINT; the log is flushed line by line, so even SIGKILL loses no acknowledged write.
var options = ClientOptions.Parse(args);
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
using var log = new AckLog(options.LogPath);
var writers = new List<Task>();
if (options.HaproxyHost is not null)
{
    writers.Add(Task.Run(() => Writers.HaproxyAsync(options, log, stop.Token)));
}
writers.AddRange(options.Nodes.Select(node => Task.Run(() => Writers.DirectAsync(options, node, log, stop.Token))));
if (options.Local is { } local)
{
    writers.Add(Task.Run(() => Writers.LocalAsync(options, local, log, stop.Token)));
}
Console.WriteLine($"chaos client {options.Tag}: writing through HAProxy {options.HaproxyHost ?? "(none)"}, to {options.Nodes.Count} nodes, locally to {options.Local?.Name ?? "(none)"}");
try
{
    await Task.WhenAll(writers);
}
catch (OperationCanceledException)
{
    // Stopped by signal.
}
Console.WriteLine($"chaos client {options.Tag}: stopped");
return 0;
