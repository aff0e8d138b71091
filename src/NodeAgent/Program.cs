using NodeAgent.Hosting;

return await EntryPoint.RunAsync(args).ConfigureAwait(false);
