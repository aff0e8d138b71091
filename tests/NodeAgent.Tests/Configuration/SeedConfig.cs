namespace NodeAgent.Tests.Configuration;

/// <summary>The seed Patroni file of node u4, read from the shared location, with helpers to break copies of it.</summary>
internal static class SeedConfig
{
    public const string Path = "/work/shared/seed/patroni-config-u4.yml";

    public static readonly IReadOnlyDictionary<string, string> NoEnv = new Dictionary<string, string>();

    public static string Text => File.Exists(Path)
        ? File.ReadAllText(Path)
        : throw new FileNotFoundException("the seed config is missing", Path);

    public static string Replace(string oldText, string newText)
    {
        var text = Text;
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        return text.Replace(oldText, newText, StringComparison.Ordinal);
    }
}
