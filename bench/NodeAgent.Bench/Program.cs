using NodeAgent.Bench;

// The benchmark's client: scripts/bench.sh starts the writer, waits with the probes and asks for the numbers.
try
{
    if (args.Length == 0)
    {
        return Usage();
    }

    var options = new Options(args.Skip(1));
    return args[0] switch
    {
        "write" => await WriteCommand.RunAsync(options),
        "wait" => await WaitCommand.RunAsync(options),
        "gap" => GapCommand.Run(options),
        "lost" => await LostCommand.RunAsync(options),
        "summary" => SummaryCommand.Run(options),
        "latency" => await LatencyCommand.RunAsync(options),
        "percentiles" => PercentilesCommand.Run(options),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"bench: {ex.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: NodeAgent.Bench <command> [--option value]...
          write   --target host:port --log file [--interval-ms 20] [--retry-ms 0] [--errors file]   one row per interval, logs "<ms> <id>" per acknowledged write (and "<ms> <sqlstate>" per failed one)
          wait    --hosts h1,h2 --probe writable|ready [--timeout-ms 180000]   prints "<host> <ms>" of the first host that passes
          gap     --log file --from ms --to ms                       the longest pause between acknowledged writes: "<gap_ms> <last_before> <first_after>"
          lost    --log file --host h --from ms --to ms               acknowledged ids of the window missing on host: "<acked> <missing> [ids]"
          summary --results file                                      median and max per profile, scenario and metric
          latency --target host:port --log file --accounts n [--clients 4] [--interval-ms 40]   scheduled pgbench_accounts updates, logs "<ms> <latency_us>"
          percentiles --log file --from ms --to ms                    of a latency log's window: "<writes> <p50_ms> <p99_ms> <max_ms>"
        """);
    return 2;
}
