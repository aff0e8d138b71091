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
var writers = new List<Task> { Task.Run(() => Writers.HaproxyAsync(options, log, stop.Token)) };
writers.AddRange(options.Nodes.Select(node => Task.Run(() => Writers.DirectAsync(options, node, log, stop.Token))));
Console.WriteLine($"chaos client {options.Tag}: writing through {options.HaproxyHost}:{options.HaproxyPort} and to {options.Nodes.Count} nodes");
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
