namespace NodeAgent.Tests.Configuration;

/// <summary>A config file in the temp directory, deleted on dispose.</summary>
internal sealed class TempConfigFile : IDisposable
{
    public TempConfigFile(string text)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"na-config-{Guid.NewGuid():N}.yml");
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
